"""Development proposals (duties 3.4, 3.12): log, drafting, the lead's decision; state in URL."""

import streamlit as st

from core.permissions import Permission
from ui import guard, proposal_views
from ui.i18n import tr

actor = guard.page(Permission.VIEW_RECORDS, title_key="proposals.title")
params = st.query_params

st.title(tr("proposals.title"))
proposal_views.new_proposal(actor, params)
proposal_views.proposal_log(actor, params)
if params.get("proposal", "").isdigit():
    st.divider()
    proposal_views.proposal_detail(actor, int(params["proposal"]))
