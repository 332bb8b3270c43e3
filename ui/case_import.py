"""The data import page: choose what to import, download a template, upload the case
system's export, check the column mapping, the preview, the counts and every row problem,
then confirm; a progress bar runs while the rows are saved.

File contents are shown only in tables (st.dataframe) and selectbox options; messages are
catalogue texts, so nothing from a file is ever rendered as markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from core import audit, db
from core.errors import DomainError
from core.formatting import format_date, format_money, format_number
from core.i18n import LANGUAGES
from core.permissions import Actor
from core.services import case_io
from core.tabular import Format, Problem, TableRefused, mime_type
from ui import widgets
from ui.i18n import current_language, label, tr

_NONCE = "_cio_upload_nonce"
_DONE = "_cio_done"
_PREVIEW = "_cio_preview"
FORMATS: tuple[Format, ...] = ("csv", "xlsx")


def import_page(actor: Actor) -> None:
    lang = current_language()
    st.title(tr("import.title"))
    st.caption(tr("cio.intro"))
    st.caption(
        tr(
            "cio.formats",
            mb=case_io.MAX_BYTES // 2**20,
            rows=format_number(case_io.MAX_ROWS, lang),
            xlsx_rows=format_number(case_io.XLSX_MAX_ROWS, lang),
        )
    )
    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(tr("cio.done", **done))
    kinds = {kind: tr(f"cio.kind.{kind}") for kind in case_io.KINDS}
    kind = st.radio(
        tr("cio.kind"), list(kinds), format_func=kinds.__getitem__, horizontal=True, key="cio_kind"
    )
    _templates(kind)
    nonce = st.session_state.setdefault(_NONCE, 0)
    uploaded = st.file_uploader(
        tr("cio.upload"),
        type=["csv", "xlsx", "txt", "tsv"],
        key=f"cio_upload_{kind}_{nonce}",
        max_upload_size=case_io.MAX_BYTES // 2**20,
    )
    if uploaded is None:
        return
    data, filename = uploaded.getvalue(), uploaded.name
    # The file is read once with the mapping found from its headers; the selectboxes start
    # from that, and a changed choice checks the file again with the chosen mapping.
    preview = _preview(actor, kind, uploaded.file_id, data, filename, None)
    if preview is None:
        return
    if preview.file_columns:
        mapping = _mapping(kind, preview, f"cio_map_{kind}_{nonce}_{uploaded.file_id}")
        if mapping != preview.mapping:
            preview = _preview(actor, kind, uploaded.file_id, data, filename, mapping)
            if preview is None:
                return
    _show_preview(preview)
    if preview.problems:
        return
    if not (preview.new or preview.changed):
        st.info(tr("cio.nothing_to_do"))
        return
    confirm = tr(
        "cio.confirm",
        new=format_number(preview.new, lang),
        changed=format_number(preview.changed, lang),
    )
    if st.button(confirm, type="primary", key="cio_confirm", icon=":material/upload:"):
        _run(actor, kind, data, filename, preview.mapping)


def _templates(kind: str) -> None:
    st.markdown(f"**{tr('cio.template.title')}**")
    names = {"et": "Eesti", "en": "English"}
    current = current_language()
    left, *buttons, _space = st.columns([2, 1, 1, 2], vertical_alignment="bottom")
    template_lang = left.selectbox(
        tr("cio.template.language"),
        list(LANGUAGES),
        index=LANGUAGES.index(current) if current in LANGUAGES else 0,
        format_func=lambda code: names.get(code, code),
        key="cio_template_lang",
    )
    for column, fmt in zip(buttons, FORMATS, strict=True):
        column.download_button(
            tr(f"io.template.{fmt}"),
            data=case_io.template_file(kind, template_lang, fmt),
            file_name=f"{tr(f'cio.kind.{kind}').lower()}-{tr('cio.template.file')}.{fmt}",
            mime=mime_type(fmt),
            key=f"cio_template_{kind}_{fmt}",
            on_click="ignore",
            icon=":material/download:",
        )


def _mapping(kind: str, preview: case_io.CaseImportPreview, key: str) -> dict[str, str | None]:
    """One selectbox per field, preselected with the column detected from the headers."""
    st.subheader(tr("cio.mapping.title"))
    st.caption(tr("cio.mapping.help"))
    options: list[str | None] = [None, *dict.fromkeys(preview.file_columns)]
    none = tr("cio.mapping.none")
    chosen: dict[str, str | None] = {}
    specs = case_io.fields_of(kind)
    grid = st.columns(4)
    for number, spec in enumerate(specs):
        title = tr(spec.column.label_key)
        if spec.required:
            title += f" ({tr('cio.mapping.required')})"
        detected = preview.detected.get(spec.name)
        chosen[spec.name] = grid[number % 4].selectbox(
            title,
            options,
            index=options.index(detected) if detected in options else 0,
            format_func=lambda value: none if value is None else str(value),
            key=f"{key}_{spec.name}",
        )
    return chosen


def _preview(
    actor: Actor,
    kind: str,
    file_id: str,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str | None] | None,
) -> case_io.CaseImportPreview | None:
    """The preview of this file and mapping, made once per data version (a million rows take
    seconds to check; a rerun for another widget should not check them again)."""
    with db.read_session() as session:
        version = audit.data_version(session, facts=True)
    chosen = None if mapping is None else tuple(sorted(mapping.items(), key=str))
    signature = (kind, file_id, chosen, version)
    kept: dict[Any, case_io.CaseImportPreview] = st.session_state.setdefault(_PREVIEW, {})
    if signature in kept:
        return kept[signature]
    bar = st.progress(0.0, text=tr("cio.progress.read"))
    try:
        with db.read_session() as session:
            preview = case_io.preview_import(
                session,
                actor,
                kind=kind,
                data=data,
                filename=filename,
                mapping=mapping,
                progress=_progress(bar, upto=2.0),  # a preview's work ends at 0.5
            )
    except DomainError as error:
        bar.empty()
        widgets.show_error(error)
        return None
    bar.empty()
    # Only this file's previews are kept (the detected and the chosen mapping).
    for old in [old for old in kept if old[:2] != signature[:2] or old[3] != version]:
        del kept[old]
    kept[signature] = preview
    return preview


def _progress(bar: Any, upto: float = 1.0) -> Callable[[float, str], None]:
    """A progress callback for st.progress; `upto` stretches a part of the work to 100 %."""
    last = {"percent": -1}

    def show(fraction: float, step: str) -> None:
        value = min(max(fraction * upto, 0.0), 1.0)
        if int(value * 100) != last["percent"]:
            last["percent"] = int(value * 100)
            bar.progress(value, text=tr(f"cio.progress.{step}"))

    return show


def _problem_table(kind: str, problems: list[Problem]) -> pd.DataFrame:
    lang = current_language()
    rows = []
    for problem in problems:
        if problem.key == "cio.more_problems":
            where = ""
        elif problem.row is None:
            where = tr("io.problems.whole_file")
        else:
            where = str(problem.row)
        rows.append(
            {
                "row": where,
                "column": case_io.field_header(kind, problem.column, lang),
                "message": tr(problem.key, **_shown_params(problem.params)),
            }
        )
    return pd.DataFrame(rows, columns=["row", "column", "message"])


def _shown_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Counts and limits in the reader's number format; values from the file as they are."""
    lang = current_language()
    return {
        name: format_number(value, lang)
        if name in ("count", "limit") and isinstance(value, int)
        else value
        for name, value in params.items()
    }


def _show_problems(kind: str, problems: list[Problem], count: int) -> None:
    lang = current_language()
    st.error(tr("cio.problems.title", count=format_number(count, lang)))
    listed = [p for p in problems if p.key != "cio.more_problems"]
    if count > len(listed):
        st.caption(
            tr(
                "cio.problems.shown",
                shown=format_number(len(listed), lang),
                count=format_number(count, lang),
            )
        )
    st.dataframe(
        _problem_table(kind, problems),
        hide_index=True,
        width="stretch",
        column_config={
            "row": st.column_config.TextColumn(tr("io.problems.row"), width="small"),
            "column": st.column_config.TextColumn(tr("io.problems.column"), width="medium"),
            "message": st.column_config.TextColumn(tr("io.problems.message"), width="large"),
        },
    )


def _show_preview(preview: case_io.CaseImportPreview) -> None:
    lang = current_language()
    if preview.rows:
        tiles = st.columns(4)
        for column, key, value in zip(
            tiles,
            ("new", "changed", "unchanged", "errors"),
            (preview.new, preview.changed, preview.unchanged, preview.errors),
            strict=True,
        ):
            column.metric(tr(f"cio.count.{key}"), format_number(value, lang))
    if preview.problems:
        _show_problems(preview.kind, preview.problems, preview.problem_count)
    if preview.frame.empty:
        return
    st.subheader(
        tr(
            "cio.preview.title",
            shown=format_number(len(preview.frame), lang),
            rows=format_number(preview.rows, lang),
        )
    )
    st.dataframe(
        _display_frame(preview),
        hide_index=True,
        width="stretch",
        column_config={
            "row": st.column_config.TextColumn(tr("io.problems.row"), width="small"),
            "action": st.column_config.TextColumn(tr("io.action"), width="small"),
            **{
                name: st.column_config.TextColumn(case_io.field_header(preview.kind, name, lang))
                for name in preview.fields
            },
        },
    )


def _display_frame(preview: case_io.CaseImportPreview) -> pd.DataFrame:
    """Every cell as text in the reader's language: dates, money, labels for codes."""
    lang = current_language()
    specs = {spec.name: spec for spec in case_io.fields_of(preview.kind)}
    frame = pd.DataFrame({"row": preview.frame["row"].astype(str)})
    frame["action"] = [tr(f"cio.action.{action}") for action in preview.frame["action"]]
    for name in preview.fields:
        spec = specs[name]
        frame[name] = [_cell(spec, value, lang) for value in preview.frame[name]]
    return frame


def _cell(spec: case_io.FieldSpec, value: Any, lang: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if spec.type == "date" and isinstance(value, date):
        return format_date(value, lang)
    if spec.type == "money":
        return format_money(int(value), lang)
    if spec.type == "enum":
        text = label(str(value), spec.enum)
        return str(value) if text.startswith("enum.") else text
    return str(value)


def _run(
    actor: Actor, kind: str, data: bytes, filename: str, mapping: Mapping[str, str | None]
) -> None:
    lang = current_language()
    with st.status(tr("cio.running"), expanded=True) as status:
        bar = st.progress(0.0, text=tr("cio.progress.read"))
        try:
            with db.write_session() as session:
                result = case_io.run_import(
                    session,
                    actor,
                    kind=kind,
                    data=data,
                    filename=filename,
                    mapping=mapping,
                    progress=_progress(bar),
                )
        except TableRefused as refused:
            status.update(label=tr("cio.failed"), state="error")
            _show_problems(kind, refused.items, len(refused.items))
            return
        except DomainError as error:
            status.update(label=tr("cio.failed"), state="error")
            widgets.show_error(error)
            return
        status.update(label=tr("cio.finished"), state="complete")
    widgets.after_write()
    st.session_state[_DONE] = {
        "new": format_number(result.new, lang),
        "changed": format_number(result.changed, lang),
        "unchanged": format_number(result.unchanged, lang),
        "seconds": format_number(result.seconds, lang, decimals=1),
    }
    st.session_state.pop(_PREVIEW, None)
    # A fresh uploader, so the same file is not offered for import twice.
    st.session_state[_NONCE] = st.session_state.get(_NONCE, 0) + 1
    st.rerun()
