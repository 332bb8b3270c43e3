"""Drawing helpers of the Development proposals page: the log, one proposal with its
linked feedback, the coordinator's edits and the lead's decision.

What a reader may do follows the role matrix: EDIT_RECORDS creates, edits drafts,
submits and marks done; DECIDE_PROPOSALS accepts or rejects a submitted proposal.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core import db
from core.errors import DomainError
from core.formatting import format_date
from core.models import ProposalOrigin, ProposalStatus
from core.permissions import Actor, Permission
from core.services import proposals
from ui import widgets
from ui.i18n import current_language, label, tr
from ui.widgets import write


def proposal_log(actor: Actor, params: Any) -> None:
    lang = current_language()
    with db.read_session() as session:
        counts = proposals.count_by_status(session, actor)
    st.caption(
        " · ".join(
            f"{label(status.value, 'ProposalStatus')}: {counts.get(status.value, 0)}"
            for status in ProposalStatus
        )
    )
    status = st.selectbox(
        tr("field.status"),
        [None, *(s.value for s in ProposalStatus)],
        format_func=lambda v: label(v, "ProposalStatus") if v else tr("any"),
        key="pr_filter_status",
    )
    with db.read_session() as session:
        table = proposals.list_proposals(session, actor, status=status)
    if table.empty:
        st.info(tr("proposals.none"))
        return
    shown = table.drop(columns=["version", "updated_at"]).copy()
    shown["origin"] = shown["origin"].map(lambda v: label(v, "ProposalOrigin"))
    shown["status"] = shown["status"].map(lambda v: label(v, "ProposalStatus"))
    shown["decided_on"] = shown["decided_on"].map(lambda d: format_date(d, lang) if d else "")
    st.session_state["_pr_table_ids"] = [int(i) for i in table["id"]]

    def pick() -> None:
        state = st.session_state.get("pr_table")
        rows = state.selection.rows if state is not None else []
        ids = st.session_state.get("_pr_table_ids", [])
        if rows and rows[0] < len(ids):
            params["proposal"] = str(ids[rows[0]])

    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        on_select=pick,
        selection_mode="single-row",
        key="pr_table",
        column_config={
            "id": st.column_config.NumberColumn("#", format="%d"),
            "title": st.column_config.TextColumn(tr("field.proposal.title"), width="large"),
            "origin": tr("field.proposal.origin"),
            "status": tr("field.status"),
            "decided_on": tr("field.proposal.decided_on"),
            "feedback": st.column_config.NumberColumn(tr("proposals.feedback_count")),
        },
    )


def new_proposal(actor: Actor, params: Any) -> None:
    if not actor.can(Permission.EDIT_RECORDS):
        return
    with st.expander(tr("proposals.new"), icon=":material/add:"):
        with st.form("pr_new", clear_on_submit=True):
            title = st.text_input(tr("field.proposal.title"), max_chars=200)
            origin = st.selectbox(
                tr("field.proposal.origin"),
                [o.value for o in ProposalOrigin],
                format_func=lambda v: label(v, "ProposalOrigin"),
            )
            rationale = st.text_area(tr("field.proposal.rationale"))
            effect = st.text_area(tr("field.proposal.expected_effect"))
            create = st.form_submit_button(tr("proposals.create"), type="primary")
        if create:
            created = write(
                actor,
                proposals.create_proposal,
                "proposals.created",
                data={
                    "title": title,
                    "origin": origin,
                    "rationale": rationale,
                    "expected_effect": effect,
                },
            )
            if created:
                params["proposal"] = str(created)
                st.rerun()


def proposal_detail(actor: Actor, proposal_id: int) -> None:
    lang = current_language()
    try:
        with db.read_session() as session:
            item = proposals.get_proposal(session, actor, proposal_id=proposal_id)
    except DomainError as error:
        widgets.show_error(error)
        return
    st.subheader(widgets.plain(f"#{item.id} {item.title}"))
    st.markdown(
        f"**{tr('field.status')}:** {label(item.status, 'ProposalStatus')} · "
        f"**{tr('field.proposal.origin')}:** {label(item.origin, 'ProposalOrigin')}"
    )
    st.caption(tr("field.proposal.rationale"))
    st.text(item.rationale or "–")
    st.caption(tr("field.proposal.expected_effect"))
    st.text(item.expected_effect or "–")
    if item.feedback_ids:
        st.caption(tr("proposals.linked_feedback"))
        columns = st.columns(min(len(item.feedback_ids), 6))
        for number, feedback_id in enumerate(item.feedback_ids[:30]):
            columns[number % len(columns)].page_link(
                "pages/3_Feedback.py",
                label=f"#{feedback_id}",
                icon=":material/chat:",
                query_params={"view": "list", "feedback": str(feedback_id)},
            )
    if item.decided_on or item.decision_text:
        st.caption(tr("proposals.decision"))
        st.text(
            f"{format_date(item.decided_on, lang)} · {item.decided_by or '–'}\n{item.decision_text}"
        )
    _coordinator_actions(actor, item)
    _lead_decision(actor, item)


def _coordinator_actions(actor: Actor, item: proposals.ProposalRead) -> None:
    if not actor.can(Permission.EDIT_RECORDS):
        return
    if item.status == ProposalStatus.DRAFT.value:
        with st.expander(tr("proposals.edit"), icon=":material/edit:"):
            with st.form(f"pr_edit_{item.id}_{item.version}"):
                title = st.text_input(tr("field.proposal.title"), value=item.title, max_chars=200)
                origins = [o.value for o in ProposalOrigin]
                origin = st.selectbox(
                    tr("field.proposal.origin"),
                    origins,
                    index=origins.index(item.origin) if item.origin in origins else 0,
                    format_func=lambda v: label(v, "ProposalOrigin"),
                )
                rationale = st.text_area(tr("field.proposal.rationale"), value=item.rationale)
                effect = st.text_area(
                    tr("field.proposal.expected_effect"), value=item.expected_effect
                )
                save = st.form_submit_button(tr("save"))
            if save and write(
                actor,
                proposals.update_proposal,
                "proposals.saved",
                proposal_id=item.id,
                data={
                    "title": title,
                    "origin": origin,
                    "rationale": rationale,
                    "expected_effect": effect,
                },
                expected_version=item.version,
            ):
                st.rerun()
        if st.button(tr("proposals.submit"), type="primary", key=f"pr_submit_{item.id}") and write(
            actor,
            proposals.submit_proposal,
            "proposals.submitted",
            proposal_id=item.id,
            expected_version=item.version,
        ):
            st.rerun()
    elif item.status == ProposalStatus.ACCEPTED.value:
        if st.button(tr("proposals.mark_done"), type="primary", key=f"pr_done_{item.id}") and write(
            actor,
            proposals.mark_done,
            "proposals.done",
            proposal_id=item.id,
            expected_version=item.version,
        ):
            st.rerun()
    elif item.status == ProposalStatus.SUBMITTED.value:
        st.info(tr("proposals.waiting_for_lead"))


def _lead_decision(actor: Actor, item: proposals.ProposalRead) -> None:
    if not actor.can(Permission.DECIDE_PROPOSALS) or item.status != ProposalStatus.SUBMITTED.value:
        return
    with st.form(f"pr_decide_{item.id}_{item.version}"):
        st.markdown(f"**{tr('proposals.decide')}**")
        # Labels bound now: a format function may be called outside this run.
        choices = {value: tr(f"proposals.decision.{value}") for value in proposals.DECISIONS}
        decision = st.radio(
            tr("field.proposal.decision"),
            list(choices),
            format_func=choices.__getitem__,
            horizontal=True,
        )
        text = st.text_area(tr("field.proposal.decision_text"))
        decided_on = st.date_input(
            tr("field.proposal.decided_on"),
            value=widgets.today(),
            max_value=widgets.today(),
            format="DD.MM.YYYY",
        )
        decide = st.form_submit_button(tr("proposals.save_decision"), type="primary")
    if decide and write(
        actor,
        proposals.decide_proposal,
        "proposals.decided",
        proposal_id=item.id,
        decision=decision,
        decision_text=text,
        decided_on=decided_on,
        expected_version=item.version,
    ):
        st.rerun()
