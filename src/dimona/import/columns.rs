//! The columns of a Dimona file: the contract's names, the words offices
//! write for them (EN/NL/FR), and which part of a declaration needs which.

use super::Part;
use crate::i18n::tr;
use crate::submit::import::{self as file, Headers};

/// A column of a Dimona file: a value of the declaration, or its part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Enterprise,
    Ssin,
    Part,
    Start,
    End,
    JointCommittee,
    WorkerType,
    PlannedHours,
    StartHour,
    EndHour,
    PeriodId,
}

/// The four parts, in their order.
pub(super) const PARTS: [Part; 4] = [Part::In, Part::Out, Part::Update, Part::Cancel];

impl Column {
    pub const ALL: [Column; 11] = [
        Column::Enterprise,
        Column::Ssin,
        Column::Part,
        Column::Start,
        Column::End,
        Column::JointCommittee,
        Column::WorkerType,
        Column::PlannedHours,
        Column::StartHour,
        Column::EndHour,
        Column::PeriodId,
    ];

    /// The column's name in the contract's template (the wire's own name).
    pub fn name(self) -> &'static str {
        match self {
            Column::Enterprise => "enterpriseNumber",
            Column::Ssin => "ssin",
            Column::Part => "part",
            Column::Start => "startDate",
            Column::End => "endDate",
            Column::JointCommittee => "jointCommissionNumber",
            Column::WorkerType => "workerType",
            Column::PlannedHours => "plannedHoursNumber",
            Column::StartHour => "startHour",
            Column::EndHour => "endHour",
            Column::PeriodId => "periodId",
        }
    }

    /// The names a header may have to be this column whatever its words: the
    /// template's and the wire's paths.
    pub(super) fn names(self) -> &'static [&'static str] {
        match self {
            Column::Enterprise => &["enterpriseNumber", "employer.enterpriseNumber"],
            Column::Ssin => &["ssin", "worker.ssin"],
            Column::Part => &["part"],
            Column::Start => &["startDate", "dimonaIn.startDate"],
            Column::End => &["endDate", "dimonaOut.endDate"],
            Column::JointCommittee => &["jointCommissionNumber", "features.jointCommissionNumber"],
            Column::WorkerType => &["workerType", "features.workerType"],
            Column::PlannedHours => &["plannedHoursNumber"],
            Column::StartHour => &["startHour"],
            Column::EndHour => &["endHour"],
            Column::PeriodId => &["periodId"],
        }
    }

    /// The words offices put in a header for this column, folded (lower
    /// case, no accents, words split: see `submit::import::fold`). `=` before
    /// one: only as the whole header, never as a word of a longer one.
    pub(super) fn words(self) -> &'static [&'static str] {
        match self {
            Column::Enterprise => &[
                "enterprise number",
                "employer enterprise number",
                "enterprise",
                "employer",
                "company number",
                "ondernemingsnummer",
                "ondernemingsnummer werkgever",
                "ondernemingsnr",
                "onderneming",
                "werkgever",
                "kbo",
                "kbo nummer",
                "kbonummer",
                "numero d entreprise",
                "numero d entreprise de l employeur",
                "numero entreprise",
                "entreprise",
                "employeur",
                "bce",
                "numero bce",
            ],
            Column::Ssin => &[
                "ssin",
                "worker ssin",
                "insz",
                "insz werknemer",
                "niss",
                "niss travailleur",
                "inss",
                "rijksregisternummer",
                "rijksregister",
                "rrn",
                "national number",
                "numero national",
                "registre national",
                "numero de registre national",
                "=worker",
                "=werknemer",
                "=travailleur",
            ],
            Column::Part => &[
                "dimona part",
                "declaration type",
                "type of declaration",
                "deel",
                "soort",
                "soort aangifte",
                "type aangifte",
                "type de declaration",
                "partie",
                "=part",
                "=action",
            ],
            Column::Start => &[
                "start date",
                "start",
                "startdatum",
                "begindatum",
                "begin",
                "datum in dienst",
                "in dienst",
                "date de debut",
                "debut",
                "date d entree",
                "entree",
                "=from",
                "=van",
                "=vanaf",
                "=du",
            ],
            Column::End => &[
                "end date",
                "end",
                "einddatum",
                "einde",
                "datum uit dienst",
                "uit dienst",
                "date de fin",
                "fin",
                "date de sortie",
                "sortie",
                "=to",
                "=until",
                "=tot",
                "=au",
            ],
            Column::JointCommittee => &[
                "joint committee",
                "joint commission",
                "joint commission number",
                "paritair comite",
                "paritair comite nummer",
                "pc nr",
                "commission paritaire",
                "numero de commission paritaire",
                "=pc",
                "=cp",
                "=pc cp",
                "=cp pc",
            ],
            Column::WorkerType => &[
                "worker type",
                "type of worker",
                "type werknemer",
                "soort werknemer",
                "werknemerstype",
                "categorie werknemer",
                "type de travailleur",
                "type travailleur",
                "categorie de travailleur",
            ],
            Column::PlannedHours => &[
                "planned hours",
                "planned hours number",
                "hours",
                "number of hours",
                "uren",
                "aantal uren",
                "geplande uren",
                "heures",
                "heures prevues",
                "nombre d heures",
                "nombre heures",
            ],
            Column::StartHour => &[
                "start hour",
                "start time",
                "begin hour",
                "beginuur",
                "startuur",
                "begintijd",
                "uur begin",
                "heure de debut",
                "heure debut",
            ],
            Column::EndHour => &[
                "end hour",
                "end time",
                "einduur",
                "eindtijd",
                "uur einde",
                "heure de fin",
                "heure fin",
            ],
            Column::PeriodId => &[
                "period id",
                "period",
                "dimona period",
                "periode",
                "dimona periode",
                "periode dimona",
                "periodenummer",
                "periode id",
                "numero de periode",
                "id de periode",
                "=id",
            ],
        }
    }

    /// Words that, in a header, say it is about something else (a partial
    /// match does not count then): "Start hour" is not the start date, "Type
    /// werknemer" is not the worker's INSZ nor the declaration's part.
    pub(super) fn not_words(self) -> &'static [&'static str] {
        const HOURS: &[&str] = &["hour", "time", "uur", "tijd", "heure"];
        const WORKER: &[&str] = &["worker", "werknemer", "travailleur"];
        match self {
            Column::Start | Column::End => HOURS,
            Column::Ssin => &["type", "soort", "categorie"],
            Column::Part => WORKER,
            _ => &[],
        }
    }

    /// How well `header` (`folded`: its words) names this column: 0 not at all.
    pub(super) fn score(self, header: &str, folded: &str) -> u32 {
        file::score_header(self.names(), self.words(), self.not_words(), header, folded)
    }

    /// The column's header in `headers`' words.
    pub fn header(self, headers: Headers) -> String {
        match headers {
            Headers::Contract => self.name().to_owned(),
            Headers::In(lang) => tr(lang, &format!("dimona.import.header.{}", self.name())),
        }
    }

    /// Whether a declaration of `part` cannot be made without this column.
    pub fn needed_by(self, part: Part) -> bool {
        match self {
            Column::Enterprise | Column::Ssin => true,
            Column::Start | Column::JointCommittee | Column::WorkerType => part == Part::In,
            Column::End => part == Part::Out,
            Column::PeriodId => part != Part::In,
            Column::Part | Column::PlannedHours | Column::StartHour | Column::EndHour => false,
        }
    }
}
