"""Messages of the statistics page, the KPI board, meeting mode and the glossary."""

from __future__ import annotations

ET: dict[str, str] = {
    "stat.settings.title": "Eesmärgid ja seaded",
    "stat.settings.caption": (
        "Muudatus kehtib kohe kõigile; k alla 3 ei saa seada (Statistikaamet ei avalda "
        "lahtreid 1 ja 2)."
    ),
    "stat.settings.save": "Salvesta",
    "stat.settings.saved": "Seaded salvestatud.",
    "field.suppression_k": "Väikeste arvude piir k",
    "field.waiting_target_days": "Ooteaja eesmärk (päeva)",
    "field.waiting_within_target": "Eesmärk: ooteaeg eesmärgi piires (%)",
    "field.waiting_median": "Eesmärk: ooteaja mediaan (päeva)",
    "field.one_session_share": "Eesmärk: ainult üks seanss (%)",
    "field.outcome_improved": "Eesmärk: usaldusväärselt paranenud (%)",
    "field.satisfaction": "Eesmärk: keskmine rahulolu",
    "field.nps": "Eesmärk: soovitusindeks",
    "field.budget_use": "Eesmärk: eelarve kasutus (%)",
    "invalid.range": "peab olema vahemikus {min}–{max}",
    "invalid.unknown": "tundmatu näitaja",
    "nav.statistics": "Statistika",
    "nav.meeting": "Koosoleku vaade",
    "stat.title": "Statistika ja mõju",
    "stat.meeting.title": "Koosoleku vaade",
    "stat.total": "Kokku",
    "stat.unknown": "teadmata",
    "stat.empty": "Valitud perioodil ja filtritega andmeid ei ole.",
    "stat.legend": (
        "Väikeste arvude kaitse: „<{k}” tähendab vähem kui {k} klienti; „×” on peidetud, "
        "et peidetud arvu ei saaks summadest tagasi arvutada."
    ),
    "stat.filters": "Filtrid",
    "stat.filter.period": "Periood",
    "stat.filter.from": "Alates",
    "stat.filter.to": "Kuni",
    "stat.filter.reset": "Tühjenda filtrid",
    "stat.preset.this_year": "Selle aasta algusest",
    "stat.preset.last_year": "Eelmine aasta",
    "stat.preset.last_12_months": "Viimased 12 kuud",
    "stat.preset.this_quarter": "See kvartal",
    "stat.preset.last_quarter": "Eelmine kvartal",
    "stat.preset.custom": "Vali kuupäevad",
    "stat.dimension.month": "Kuu",
    "stat.dimension.quarter": "Kvartal",
    "stat.dimension.year": "Aasta",
    "stat.dimension.county": "Maakond",
    "stat.dimension.category": "Ohvri liik",
    "stat.dimension.language": "Keel",
    "stat.dimension.age_band": "Vanuserühm",
    "stat.dimension.gender": "Sugu",
    "stat.dimension.source": "Suunaja",
    "stat.dimension.provider": "Teenuseosutaja",
    "stat.section": "Vaade",
    "stat.section.overview": "Ülevaade",
    "stat.section.activity": "Kliendid ja seansid",
    "stat.section.waiting": "Ootamine",
    "stat.section.cost": "Kulu ja eelarve",
    "stat.section.breakdown": "Jaotused",
    "stat.section.outcomes": "Tulemused",
    "stat.section.satisfaction": "Rahulolu",
    "stat.section.glossary": "Mõisted",
    "stat.breakdown.by": "Jaotus",
    "stat.click_hint": "Klõpsa tulbal, et filtreerida kogu lehte selle järgi.",
    "stat.kpi.title": "Tulemusnäitajad",
    "stat.kpi.caption": "Eesmärgid on seadetes; võrdlus on eelmise samapika perioodiga ({period}).",
    "stat.kpi.kpi": "Näitaja",
    "stat.kpi.value": "Väärtus",
    "stat.kpi.target": "Eesmärk",
    "stat.kpi.status": "Seis",
    "stat.kpi.previous": "Eelmine periood",
    "stat.kpi.change": "Muutus",
    "stat.kpi.status.green": "✓ eesmärgis",
    "stat.kpi.status.amber": "! lähedal",
    "stat.kpi.status.red": "✗ eesmärgist väljas",
    "stat.kpi.status.none": "– andmeid pole",
    "stat.kpi.at_least": "vähemalt {value}",
    "stat.kpi.at_most": "kuni {value}",
    "stat.chart.clients_sessions": "Kliendid ja seansid kuude kaupa",
    "stat.chart.new_continuing": "Uued ja jätkavad kliendid kuude kaupa",
    "stat.chart.waiting_histogram": "Ooteaeg suunamisest esimese seansini",
    "stat.chart.waiting_trend": "Ooteaja mediaan ja 90. protsentiil esimese seansi kuu järgi",
    "stat.chart.cost_budget": "Kulu kasvavalt ja lepingute eelarve",
    "stat.chart.by_dimension": "Kliendid: {dimension}",
    "stat.chart.outcomes": "Keskmine muutus algusest lõpuni mõõdiku järgi",
    "stat.chart.satisfaction": "Rahulolu (1–5) kuude kaupa",
    "stat.axis.month": "Kuu",
    "stat.axis.days": "Päevi",
    "stat.axis.change": "Muutus punktides",
    "stat.axis.instrument": "Mõõdik",
    "stat.axis.euro": "Eurot",
    "stat.axis.responses": "Vastuseid",
    "stat.series.new": "Uued",
    "stat.series.continuing": "Jätkavad",
    "stat.series.cost": "Kulu",
    "stat.series.budget": "Eelarve",
    "stat.series.median": "Mediaan",
    "stat.series.p90": "90. protsentiil",
    "stat.series": "Seeria",
    "stat.waiting.bin": "Ooteaeg (päevi)",
    "stat.waiting.target_line": "Eesmärk: kuni {days} päeva",
    "stat.outcome.instrument": "Mõõdik",
    "stat.outcome.measured": "Mõõdetud kliente",
    "stat.outcome.start_only": "Ainult alguse mõõtmine",
    "stat.outcome.mean_start": "Keskmine alguses",
    "stat.outcome.mean_end": "Keskmine lõpus",
    "stat.outcome.mean_change": "Keskmine muutus",
    "stat.outcome.improved": "Usaldusväärselt paranenud",
    "stat.outcome.recovered": "Taastunud",
    "stat.satisfaction.note": (
        "Tagasiside ei ole seotud juhtumitega, seega kehtivad siin ainult perioodi, "
        "teenuseosutaja ja keele filtrid."
    ),
    "stat.budget.note": (
        "Eelarve on perioodiga kattuvate lepingute lagi, jaotatud ühtlaselt lepingu ajale; "
        "teenuseosutaja filter kehtib, juhtumi tunnuste filtrid mitte."
    ),
    "stat.download": "Laadi alla",
    "stat.download.png": "PNG",
    "stat.download.svg": "SVG",
    "stat.download.csv": "Andmed CSV",
    "stat.download.xlsx": "Andmed XLSX",
    "stat.glossary.caption": "Iga näitaja määratlus, nagu seda arvutatakse kõigil lehtedel.",
    "stat.glossary.metric": "Näitaja",
    "stat.glossary.definition": "Määratlus",
    "stat.pivot.rows": "Read",
    "stat.pivot.columns": "Veerud",
    "stat.pivot.no_columns": "(ilma veergudeta)",
    "stat.pivot.measure": "Näitaja",
    "stat.pivot.chart": "Joonis",
    "stat.pivot.chart.bar": "Tulbad",
    "stat.pivot.chart.stacked": "Virnastatud tulbad",
    "stat.pivot.chart.grouped": "Rühmitatud tulbad",
    "stat.pivot.chart.line": "Joon",
    "stat.pivot.chart.heatmap": "Soojuskaart",
    "stat.pivot.chart.table": "Ainult tabel",
    "stat.pivot.present": "Esitlusrežiim",
    "stat.pivot.exit": "Välju esitlusrežiimist",
    "stat.pivot.link": "Selle vaate link (järjehoidjasse või kolleegile): aadressiribal olev aadress.",
    "stat.pivot.title": "{measure}: {rows}",
    "stat.pivot.title_columns": "{measure}: {rows} × {columns}",
    "stat.metric.clients": "Kliente (unikaalsed)",
    "stat.metric.new_clients": "Uued kliendid",
    "stat.metric.continuing_clients": "Jätkavad kliendid",
    "stat.metric.sessions": "Seansse",
    "stat.metric.sessions_per_client": "Seansse kliendi kohta",
    "stat.metric.cost": "Kulu",
    "stat.metric.cost_per_client": "Kulu kliendi kohta",
    "stat.metric.waiting_median": "Ooteaja mediaan (päeva)",
    "stat.metric.waiting_p90": "Ooteaja 90. protsentiil (päeva)",
    "stat.metric.waiting_within_target": "Ooteaeg eesmärgi piires",
    "stat.metric.still_waiting": "Ootavad veel",
    "stat.metric.one_session_share": "Ainult üks seanss",
    "stat.metric.outcome_measured": "Mõõdetud kliente",
    "stat.metric.outcome_change": "Keskmine muutus",
    "stat.metric.outcome_improved": "Usaldusväärselt paranenud (PCL-5)",
    "stat.metric.outcome_recovered": "Taastunud",
    "stat.metric.satisfaction": "Keskmine rahulolu (1–5)",
    "stat.metric.nps": "Soovitusindeks (NPS)",
    "stat.metric.budget_use": "Eelarve kasutus",
    "stat.def.clients": (
        "Erinevad juhtumid (kliendid), kellel oli perioodil vähemalt üks seanss. Iga klient "
        "loetakse üks kord, ükskõik mitu seanssi tal oli."
    ),
    "stat.def.new_clients": (
        "Perioodi kliendid, kelle esimene seanss üldse oli perioodi alguse kalendriaastal "
        "või hiljem: klient on uus oma esimese seansi aastal (kuu kaupa: selle kuu aastal)."
    ),
    "stat.def.continuing_clients": (
        "Perioodi kliendid, kelle esimene seanss oli mõnel varasemal kalendriaastal."
    ),
    "stat.def.sessions": "Perioodil peetud seansside arv (teenuseosutaja filter: kes seansi pidas).",
    "stat.def.sessions_per_client": "Seansid jagatud unikaalsete klientidega.",
    "stat.def.cost": "Perioodi seansside maksumus kokku (eurodes, käibemaksuta nagu lepingus).",
    "stat.def.cost_per_client": "Kulu jagatud unikaalsete klientidega.",
    "stat.def.waiting_median": (
        "Klientidel, kelle esimene seanss oli perioodil: päevi suunamisest esimese seansini; "
        "pooled ootasid sama kaua või vähem. Kes pole veel alustanud, ei ole siin sees."
    ),
    "stat.def.waiting_p90": ("Sama ooteaeg: 90% klientidest ootas sama kaua või vähem."),
    "stat.def.waiting_within_target": (
        "Osa klientidest (esimene seanss perioodil), kes ootasid kuni seadetes määratud "
        "päevade arvu ({days} päeva)."
    ),
    "stat.def.still_waiting": (
        "Perioodil suunatud juhtumid, kellel perioodi lõpuks polnud veel ühtegi seanssi."
    ),
    "stat.def.one_session_share": (
        "Klientidest, kelle esimene seanss oli perioodil, nende osa, kellel on kokku "
        "ainult üks seanss. Värskelt alustanute tõttu on see hiljutise perioodi puhul kõrgem."
    ),
    "stat.def.outcome_measured": (
        "Kliendid, kellel on sama mõõdiku alguse ja lõpu skoor ning lõpu mõõtmine oli perioodil."
    ),
    "stat.def.outcome_change": (
        "Lõpu skoor miinus alguse skoor, keskmisena; nendel mõõdikutel tähendab miinus paranemist."
    ),
    "stat.def.outcome_improved": (
        "Mõõdetud klientidest nende osa, kelle skoor paranes vähemalt usaldusväärse muutuse "
        "võrra (PCL-5: 5, CORE-10: 6, PHQ-9: 6, GAD-7: 4 punkti; seadetes)."
    ),
    "stat.def.outcome_recovered": (
        "Kliinilisest piirist kõrgemalt alustanutest nende osa, kes lõpetasid piirist "
        "allpool ja paranesid usaldusväärselt."
    ),
    "stat.def.satisfaction": "Tagasiside rahulolu hinnangute (1–5) keskmine perioodil.",
    "stat.def.nps": "Soovitusindeks: hinnangu 9–10 andnute osa miinus 0–6 andnute osa, punktides.",
    "stat.def.budget_use": (
        "Perioodi kulu jagatud perioodiga kattuvate lepingute lagede perioodi osaga."
    ),
    "enum.Gender.female": "naine",
    "enum.Gender.male": "mees",
    "enum.Gender.other": "muu",
    "enum.Gender.unknown": "teadmata",
    "enum.AgeBand.0-17": "0–17",
    "enum.AgeBand.18-26": "18–26",
    "enum.AgeBand.27-39": "27–39",
    "enum.AgeBand.40-54": "40–54",
    "enum.AgeBand.55-64": "55–64",
    "enum.AgeBand.65+": "65+",
    "enum.ReferralSource.victim_support_worker": "ohvriabitöötaja",
    "enum.ReferralSource.police": "politsei",
    "enum.ReferralSource.prosecutor": "prokuratuur",
    "enum.ReferralSource.local_government": "kohalik omavalitsus",
    "enum.ReferralSource.healthcare": "tervishoid",
    "enum.ReferralSource.shelter": "varjupaik",
    "enum.ReferralSource.self": "pöördus ise",
    "enum.ReferralSource.other": "muu",
}

EN: dict[str, str] = {
    "stat.settings.title": "Targets and settings",
    "stat.settings.caption": (
        "A change applies to everyone at once; k cannot go below 3 (Statistics Estonia never "
        "publishes cells of 1 or 2)."
    ),
    "stat.settings.save": "Save",
    "stat.settings.saved": "Settings saved.",
    "field.suppression_k": "Small-cell threshold k",
    "field.waiting_target_days": "Waiting-time target (days)",
    "field.waiting_within_target": "Target: waiting within target (%)",
    "field.waiting_median": "Target: median waiting time (days)",
    "field.one_session_share": "Target: one session only (%)",
    "field.outcome_improved": "Target: reliably improved (%)",
    "field.satisfaction": "Target: mean satisfaction",
    "field.nps": "Target: net promoter score",
    "field.budget_use": "Target: budget use (%)",
    "invalid.range": "must be between {min} and {max}",
    "invalid.unknown": "unknown figure",
    "nav.statistics": "Statistics",
    "nav.meeting": "Meeting view",
    "stat.title": "Statistics and impact",
    "stat.meeting.title": "Meeting view",
    "stat.total": "Total",
    "stat.unknown": "unknown",
    "stat.empty": "There are no data for this period and these filters.",
    "stat.legend": (
        "Small-cell protection: “<{k}” means fewer than {k} clients; “×” is hidden so that "
        "a hidden number cannot be worked back from the totals."
    ),
    "stat.filters": "Filters",
    "stat.filter.period": "Period",
    "stat.filter.from": "From",
    "stat.filter.to": "To",
    "stat.filter.reset": "Clear filters",
    "stat.preset.this_year": "Year to date",
    "stat.preset.last_year": "Last year",
    "stat.preset.last_12_months": "Last 12 months",
    "stat.preset.this_quarter": "This quarter",
    "stat.preset.last_quarter": "Last quarter",
    "stat.preset.custom": "Choose dates",
    "stat.dimension.month": "Month",
    "stat.dimension.quarter": "Quarter",
    "stat.dimension.year": "Year",
    "stat.dimension.county": "County",
    "stat.dimension.category": "Victim category",
    "stat.dimension.language": "Language",
    "stat.dimension.age_band": "Age band",
    "stat.dimension.gender": "Gender",
    "stat.dimension.source": "Referral source",
    "stat.dimension.provider": "Provider",
    "stat.section": "View",
    "stat.section.overview": "Overview",
    "stat.section.activity": "Clients and sessions",
    "stat.section.waiting": "Waiting",
    "stat.section.cost": "Cost and budget",
    "stat.section.breakdown": "Breakdowns",
    "stat.section.outcomes": "Outcomes",
    "stat.section.satisfaction": "Satisfaction",
    "stat.section.glossary": "Glossary",
    "stat.breakdown.by": "Breakdown",
    "stat.click_hint": "Click a bar to filter the whole page by it.",
    "stat.kpi.title": "KPIs",
    "stat.kpi.caption": "Targets are in the settings; compared with the previous period of the same length ({period}).",
    "stat.kpi.kpi": "KPI",
    "stat.kpi.value": "Value",
    "stat.kpi.target": "Target",
    "stat.kpi.status": "Status",
    "stat.kpi.previous": "Previous period",
    "stat.kpi.change": "Change",
    "stat.kpi.status.green": "✓ on target",
    "stat.kpi.status.amber": "! close",
    "stat.kpi.status.red": "✗ off target",
    "stat.kpi.status.none": "– no data",
    "stat.kpi.at_least": "at least {value}",
    "stat.kpi.at_most": "at most {value}",
    "stat.chart.clients_sessions": "Clients and sessions by month",
    "stat.chart.new_continuing": "New and continuing clients by month",
    "stat.chart.waiting_histogram": "Waiting time from referral to first session",
    "stat.chart.waiting_trend": "Median and 90th percentile waiting time by month of first session",
    "stat.chart.cost_budget": "Cumulative cost and contract budget",
    "stat.chart.by_dimension": "Clients by {dimension}",
    "stat.chart.outcomes": "Mean change from start to end by instrument",
    "stat.chart.satisfaction": "Satisfaction (1–5) by month",
    "stat.axis.month": "Month",
    "stat.axis.days": "Days",
    "stat.axis.change": "Change in points",
    "stat.axis.instrument": "Instrument",
    "stat.axis.euro": "Euro",
    "stat.axis.responses": "Responses",
    "stat.series.new": "New",
    "stat.series.continuing": "Continuing",
    "stat.series.cost": "Cost",
    "stat.series.budget": "Budget",
    "stat.series.median": "Median",
    "stat.series.p90": "90th percentile",
    "stat.series": "Series",
    "stat.waiting.bin": "Waiting time (days)",
    "stat.waiting.target_line": "Target: up to {days} days",
    "stat.outcome.instrument": "Instrument",
    "stat.outcome.measured": "Clients measured",
    "stat.outcome.start_only": "Start measure only",
    "stat.outcome.mean_start": "Mean at start",
    "stat.outcome.mean_end": "Mean at end",
    "stat.outcome.mean_change": "Mean change",
    "stat.outcome.improved": "Reliably improved",
    "stat.outcome.recovered": "Recovered",
    "stat.satisfaction.note": (
        "Feedback is not linked to cases, so only the period, provider and language filters "
        "apply here."
    ),
    "stat.budget.note": (
        "The budget is the ceiling of the contracts overlapping the period, spread evenly over "
        "each contract's term; the provider filter applies, case filters do not."
    ),
    "stat.download": "Download",
    "stat.download.png": "PNG",
    "stat.download.svg": "SVG",
    "stat.download.csv": "Data CSV",
    "stat.download.xlsx": "Data XLSX",
    "stat.glossary.caption": "The definition of every figure, as it is computed on every page.",
    "stat.glossary.metric": "Figure",
    "stat.glossary.definition": "Definition",
    "stat.pivot.rows": "Rows",
    "stat.pivot.columns": "Columns",
    "stat.pivot.no_columns": "(no columns)",
    "stat.pivot.measure": "Measure",
    "stat.pivot.chart": "Chart",
    "stat.pivot.chart.bar": "Bars",
    "stat.pivot.chart.stacked": "Stacked bars",
    "stat.pivot.chart.grouped": "Grouped bars",
    "stat.pivot.chart.line": "Line",
    "stat.pivot.chart.heatmap": "Heat map",
    "stat.pivot.chart.table": "Table only",
    "stat.pivot.present": "Presentation mode",
    "stat.pivot.exit": "Leave presentation mode",
    "stat.pivot.link": "Link to this view (bookmark it or send it to a colleague): the address in the address bar.",
    "stat.pivot.title": "{measure}: {rows}",
    "stat.pivot.title_columns": "{measure}: {rows} × {columns}",
    "stat.metric.clients": "Clients (unduplicated)",
    "stat.metric.new_clients": "New clients",
    "stat.metric.continuing_clients": "Continuing clients",
    "stat.metric.sessions": "Sessions",
    "stat.metric.sessions_per_client": "Sessions per client",
    "stat.metric.cost": "Cost",
    "stat.metric.cost_per_client": "Cost per client",
    "stat.metric.waiting_median": "Median waiting time (days)",
    "stat.metric.waiting_p90": "90th percentile waiting time (days)",
    "stat.metric.waiting_within_target": "Waiting within target",
    "stat.metric.still_waiting": "Still waiting",
    "stat.metric.one_session_share": "One session only",
    "stat.metric.outcome_measured": "Clients measured",
    "stat.metric.outcome_change": "Mean change",
    "stat.metric.outcome_improved": "Reliably improved (PCL-5)",
    "stat.metric.outcome_recovered": "Recovered",
    "stat.metric.satisfaction": "Mean satisfaction (1–5)",
    "stat.metric.nps": "Net promoter score (NPS)",
    "stat.metric.budget_use": "Budget use",
    "stat.def.clients": (
        "Distinct cases (clients) with at least one session in the period. Each client counts "
        "once, however many sessions they had."
    ),
    "stat.def.new_clients": (
        "Clients of the period whose first session ever was in the calendar year the period "
        "starts in or later: a client is new in the year of their first session (by month: "
        "in that month's year)."
    ),
    "stat.def.continuing_clients": "Clients of the period whose first session was in an earlier calendar year.",
    "stat.def.sessions": "Sessions held in the period (provider filter: who held the session).",
    "stat.def.sessions_per_client": "Sessions divided by unduplicated clients.",
    "stat.def.cost": "Total cost of the period's sessions (euro, as in the contract).",
    "stat.def.cost_per_client": "Cost divided by unduplicated clients.",
    "stat.def.waiting_median": (
        "For clients whose first session was in the period: days from referral to first "
        "session; half waited as long or less. Those who have not started are not included."
    ),
    "stat.def.waiting_p90": "The same waiting time: 90% of clients waited as long or less.",
    "stat.def.waiting_within_target": (
        "Share of clients (first session in the period) who waited at most the number of "
        "days set in the settings ({days} days)."
    ),
    "stat.def.still_waiting": "Cases referred in the period with no session by the period's end.",
    "stat.def.one_session_share": (
        "Of the clients whose first session was in the period, the share with one session in "
        "all. Recent starters make it higher for a recent period."
    ),
    "stat.def.outcome_measured": (
        "Clients with a start and an end score on the same instrument, the end measured in "
        "the period."
    ),
    "stat.def.outcome_change": (
        "End score minus start score, on average; on these instruments a negative change is "
        "an improvement."
    ),
    "stat.def.outcome_improved": (
        "Of the clients measured, the share whose score improved by at least the reliable "
        "change (PCL-5: 5, CORE-10: 6, PHQ-9: 6, GAD-7: 4 points; in the settings)."
    ),
    "stat.def.outcome_recovered": (
        "Of those who started at or above the clinical cut-off, the share who ended below it "
        "with a reliable improvement."
    ),
    "stat.def.satisfaction": "Mean of the feedback satisfaction ratings (1–5) in the period.",
    "stat.def.nps": "Net promoter score: share rating 9–10 minus share rating 0–6, in points.",
    "stat.def.budget_use": (
        "The period's cost divided by the period's part of the ceilings of the contracts "
        "overlapping it."
    ),
    "enum.Gender.female": "female",
    "enum.Gender.male": "male",
    "enum.Gender.other": "other",
    "enum.Gender.unknown": "unknown",
    "enum.AgeBand.0-17": "0–17",
    "enum.AgeBand.18-26": "18–26",
    "enum.AgeBand.27-39": "27–39",
    "enum.AgeBand.40-54": "40–54",
    "enum.AgeBand.55-64": "55–64",
    "enum.AgeBand.65+": "65+",
    "enum.ReferralSource.victim_support_worker": "victim support worker",
    "enum.ReferralSource.police": "police",
    "enum.ReferralSource.prosecutor": "prosecutor",
    "enum.ReferralSource.local_government": "local government",
    "enum.ReferralSource.healthcare": "healthcare",
    "enum.ReferralSource.shelter": "shelter",
    "enum.ReferralSource.self": "self-referral",
    "enum.ReferralSource.other": "other",
}
