"""The Providers page's import and export section: templates, upload, preview, confirm,
and the provider list and public list downloads.

User data is shown only in tables (st.dataframe) and messages are catalogue texts, so
nothing in a file is ever rendered as markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core import db
from core.errors import DomainError
from core.i18n import LANGUAGES
from core.permissions import Actor, Permission
from core.services import provider_io
from core.tabular import MAX_BYTES, Format, Problem, TableRefused, mime_type
from ui import widgets
from ui.i18n import current_language, label, tr

_NONCE = "_io_upload_nonce"
_DONE = "_io_import_done"
FORMATS: tuple[Format, ...] = ("csv", "xlsx")


def import_export_section(actor: Actor) -> None:
    """Draw the section into the current container; parts the actor may not use are hidden."""
    may_import = actor.can(Permission.IMPORT_DATA)
    may_export = actor.can(Permission.EXPORT_RECORDS)
    if not (may_import or may_export):
        st.info(tr("io.nothing_allowed"))
        return
    if may_import:
        _import_part(actor)
    if may_export:
        if may_import:
            st.divider()
        _export_part(actor)


# --- import ------------------------------------------------------------------------------


def _import_part(actor: Actor) -> None:
    lang = current_language()
    st.subheader(tr("io.import.title"))
    st.caption(tr("io.import.help"))
    st.caption(tr("io.import.formats"))
    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(tr("io.import.done", **done))
    # Labels bound now: a format function may be called outside this run.
    kinds = {kind: tr(f"io.kind.{kind}") for kind in provider_io.KINDS}
    kind = st.selectbox(tr("io.kind"), list(kinds), format_func=kinds.__getitem__, key="io_kind")
    columns = st.columns(2)
    for column, fmt in zip(columns, FORMATS, strict=True):
        column.download_button(
            tr(f"io.template.{fmt}"),
            data=provider_io.template_file(kind, lang, fmt),
            file_name=f"{tr(f'io.kind.{kind}').lower()}-{tr('io.template.file')}.{fmt}",
            mime=mime_type(fmt),
            key=f"io_template_{kind}_{fmt}",
            on_click="ignore",
        )
    nonce = st.session_state.setdefault(_NONCE, 0)
    uploaded = st.file_uploader(
        tr("io.upload"),
        type=["csv", "xlsx", "txt", "tsv"],
        key=f"io_upload_{kind}_{nonce}",
        max_upload_size=MAX_BYTES // 2**20,
    )
    if uploaded is None:
        return
    data, filename = uploaded.getvalue(), uploaded.name
    try:
        with db.read_session() as session:
            preview = provider_io.preview_import(
                session, actor, kind=kind, data=data, filename=filename
            )
    except DomainError as error:
        widgets.show_error(error)
        return
    _show_preview(preview)
    if preview.problems:
        return
    rows = len(preview.frame)
    if st.button(tr("io.import.confirm", rows=rows), type="primary", key="io_confirm"):
        _run_import(actor, kind, data, filename)


def _problem_table(kind: str, problems: list[Problem]) -> pd.DataFrame:
    lang = current_language()
    return pd.DataFrame(
        [
            {
                "row": str(problem.row)
                if problem.row is not None
                else tr("io.problems.whole_file"),
                "column": provider_io.column_header(kind, problem.column, lang),
                "message": tr(problem.key, **problem.params),
            }
            for problem in problems
        ],
        columns=["row", "column", "message"],
    )


def _show_problems(kind: str, problems: list[Problem]) -> None:
    st.error(tr("io.problems.title", count=len(problems)))
    st.dataframe(
        _problem_table(kind, problems),
        hide_index=True,
        width="stretch",
        column_config={
            "row": tr("io.problems.row"),
            "column": tr("io.problems.column"),
            "message": tr("io.problems.message"),
        },
    )


def _show_preview(preview: provider_io.ImportPreview) -> None:
    lang = current_language()
    if preview.problems:
        _show_problems(preview.kind, preview.problems)
    if preview.frame.empty:
        return
    st.subheader(tr("io.preview.title"))
    st.caption(
        tr(
            "io.preview.summary",
            rows=len(preview.frame),
            create=preview.count("create"),
            update=preview.count("update"),
            unchanged=preview.count("unchanged"),
        )
    )
    frame = preview.frame.copy()
    frame["action"] = frame["action"].map(lambda action: tr(f"io.action.{action}"))
    config: dict[str, str] = {"row": tr("io.problems.row"), "action": tr("io.action")}
    for name in preview.columns:
        config[name] = provider_io.column_header(preview.kind, name, lang)
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config)


def _run_import(actor: Actor, kind: str, data: bytes, filename: str) -> None:
    with st.status(tr("io.import.running"), expanded=True) as status:
        bar = st.progress(0.0)

        def progress(fraction: float, _step: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0))

        try:
            with db.write_session() as session:
                result = provider_io.run_import(
                    session,
                    actor,
                    kind=kind,
                    data=data,
                    filename=filename,
                    progress=progress,
                )
        except TableRefused as refused:
            status.update(label=tr("io.import.failed"), state="error")
            _show_problems(kind, refused.items)
            return
        except DomainError as error:
            status.update(label=tr("io.import.failed"), state="error")
            widgets.show_error(error)
            return
        status.update(label=tr("io.import.finished"), state="complete")
    st.session_state[_DONE] = {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }
    # A fresh uploader, so the same file is not offered for import twice.
    st.session_state[_NONCE] = st.session_state.get(_NONCE, 0) + 1
    st.rerun()


# --- export ------------------------------------------------------------------------------


def _export(
    actor: Actor, builder: Callable[..., bytes], fmt: Format, lang: str
) -> Callable[[], bytes]:
    """Made only on click, so the export and its audit entry happen only when wanted."""

    def build() -> bytes:
        with db.write_session() as session:
            return builder(session, actor, fmt=fmt, lang=lang)

    return build


def _export_part(actor: Actor) -> None:
    lang = current_language()
    st.subheader(tr("io.export.title"))

    st.markdown(f"**{tr('io.export.providers')}**")
    st.caption(tr("io.export.providers_help"))
    columns = st.columns(2)
    for column, fmt in zip(columns, FORMATS, strict=True):
        column.download_button(
            tr(f"io.export.{fmt}"),
            data=_export(actor, provider_io.export_providers, fmt, lang),
            file_name=f"{tr('io.export.providers_file')}.{fmt}",
            mime=mime_type(fmt),
            key=f"io_export_providers_{fmt}",
            on_click="ignore",
        )

    st.markdown(f"**{tr('io.export.public')}**")
    st.caption(tr("io.export.public_help"))
    languages = {code: label(code, "Language") for code in LANGUAGES}
    public_lang = st.selectbox(
        tr("io.export.language"),
        list(languages),
        index=LANGUAGES.index(lang) if lang in LANGUAGES else 0,
        format_func=languages.__getitem__,
        key="io_public_lang",
    )
    columns = st.columns(2)
    for column, fmt in zip(columns, FORMATS, strict=True):
        column.download_button(
            tr(f"io.export.{fmt}"),
            data=_export(actor, provider_io.export_public_list, fmt, public_lang),
            file_name=f"{tr('io.export.public_file')}-{public_lang}.{fmt}",
            mime=mime_type(fmt),
            key=f"io_export_public_{fmt}",
            on_click="ignore",
        )
