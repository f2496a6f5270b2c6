//! The anomaly catalogue [modelled]: each rule's stable code, severity, field and
//! text in Dutch, French and English, as the server returns them. Only this
//! module and `wire` know the modelled codes.

use super::wire::{Anomaly, AnomalySeverity};
use crate::i18n::Lang;

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnomalyKind {
    pub code: &'static str,
    pub blocking: bool,
    pub field: &'static str,
    pub nl: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
}

macro_rules! catalogue {
    ($($name:ident: $code:literal, $blocking:literal, $field:literal, nl $nl:literal, fr $fr:literal, en $en:literal;)*) => {
        $(pub const $name: AnomalyKind = AnomalyKind { code: $code, blocking: $blocking, field: $field, nl: $nl, fr: $fr, en: $en };)*
        /// Every anomaly, for lookups by code.
        pub const ALL: &[AnomalyKind] = &[$($name),*];
    };
}

catalogue! {
    SSIN: "FLA-SSIN", true, "worker.ssin",
        nl "Het INSZ van de werknemer is ongeldig: 11 cijfers, met een geboortedatum die bestaat en niet na vandaag ligt, en geldige controlecijfers.",
        fr "Le NISS du travailleur n'est pas valable : 11 chiffres, avec une date de naissance qui existe et n'est pas postérieure à aujourd'hui, et des chiffres de contrôle valables.",
        en "The worker's SSIN is not valid: 11 digits, with a birth date that exists and is not after today, and valid check digits.";
    ENTERPRISE: "FLA-ENTERPRISE", true, "employer.enterpriseNumber",
        nl "Het ondernemingsnummer van de werkgever is ongeldig.",
        fr "Le numéro d'entreprise de l'employeur n'est pas valable.",
        en "The employer's enterprise number is not valid.";
    PROVIDER_ENTERPRISE: "FLA-PROVIDER-ENTERPRISE", true, "training.providerEnterpriseNumber",
        nl "Het ondernemingsnummer van de opleidingsverstrekker is ongeldig.",
        fr "Le numéro d'entreprise du prestataire de formation n'est pas valable.",
        en "The training provider's enterprise number is not valid.";
    REFERENCE: "FLA-REFERENCE", true, "externalReference",
        nl "De eigen referentie moet 1 tot 50 tekens tellen.",
        fr "La référence propre doit compter de 1 à 50 caractères.",
        en "The external reference must have 1 to 50 characters.";
    NAME: "FLA-NAME", true, "training.name",
        nl "De naam van de opleiding moet 1 tot 200 tekens tellen.",
        fr "Le nom de la formation doit compter de 1 à 200 caractères.",
        en "The training name must have 1 to 200 characters.";
    END_BEFORE_START: "FLA-END-BEFORE-START", true, "training.endDate",
        nl "De einddatum ligt voor de begindatum.",
        fr "La date de fin précède la date de début.",
        en "The end date is before the start date.";
    TOO_EARLY: "FLA-TOO-EARLY", true, "training.startDate",
        nl "Opleidingen vóór 1 januari 2024 worden niet aangegeven.",
        fr "Les formations antérieures au 1er janvier 2024 ne sont pas déclarées.",
        en "Trainings before 1 January 2024 are not declared.";
    FUTURE: "FLA-FUTURE", true, "training.endDate",
        nl "Een gevolgde opleiding kan niet in de toekomst eindigen.",
        fr "Une formation suivie ne peut pas se terminer dans le futur.",
        en "A followed training cannot end in the future.";
    DURATION_ZERO: "FLA-DURATION-ZERO", true, "training.duration.value",
        nl "De duur moet groter zijn dan nul.",
        fr "La durée doit être supérieure à zéro.",
        en "The duration must be more than zero.";
    DURATION_TOO_LONG: "FLA-DURATION-TOO-LONG", true, "training.duration.value",
        nl "De duur is langer dan 24 uur per kalenderdag van de periode (of dan het aantal dagen).",
        fr "La durée dépasse 24 heures par jour calendrier de la période (ou le nombre de jours).",
        en "The duration exceeds 24 hours per calendar day of the period (or its number of days).";
    DURATION_STEP: "FLA-DURATION-STEP", true, "training.duration.value",
        nl "Een duur in uren wordt uitgedrukt in stappen van een kwartier (0,25).",
        fr "Une durée en heures s'exprime par quarts d'heure (0,25).",
        en "A duration in hours is given in steps of a quarter hour (0.25).";
    CERTIFICATE_VALIDITY: "FLA-CERTIFICATE-VALIDITY", true, "training.certificate.validUntil",
        nl "Het attest kan niet vervallen vóór het einde van de opleiding.",
        fr "L'attestation ne peut pas expirer avant la fin de la formation.",
        en "The certificate cannot expire before the training ends.";
    CERTIFICATE_NOT_OBTAINED: "FLA-CERTIFICATE-NOT-OBTAINED", true, "training.certificate.validUntil",
        nl "Een geldigheidsdatum kan enkel voor een behaald attest.",
        fr "Une date de validité n'est possible que pour une attestation obtenue.",
        en "A validity date is only possible for an obtained certificate.";
    JOINT_COMMITTEE: "FLA-JOINT-COMMITTEE", true, "training.jointCommittee",
        nl "Het paritair comité heeft de vorm 999, 999.99 of 999.99.99.",
        fr "La commission paritaire a la forme 999, 999.99 ou 999.99.99.",
        en "The joint committee has the form 999, 999.99 or 999.99.99.";
    LATE: "FLA-LATE", false, "training.endDate",
        nl "Laattijdige aangifte: na de laatste dag van de maand volgend op het kwartaal van de opleiding.",
        fr "Déclaration tardive : après le dernier jour du mois qui suit le trimestre de la formation.",
        en "Late declaration: after the last day of the month following the training's quarter.";
    WORKER_UNKNOWN: "FLA-WORKER-UNKNOWN", false, "worker.ssin",
        nl "Deze werknemer is op de opleidingsdata niet gekend bij deze onderneming.",
        fr "Ce travailleur n'est pas connu auprès de cette entreprise aux dates de la formation.",
        en "This worker is not known at this enterprise on the training dates.";
}

impl AnomalyKind {
    pub fn text(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Nl => self.nl,
            Lang::Fr => self.fr,
            Lang::En => self.en,
        }
    }

    /// As the server returns it.
    pub fn to_wire(&self) -> Anomaly {
        Anomaly {
            code: self.code.to_owned(),
            severity: if self.blocking {
                AnomalySeverity::Blocking
            } else {
                AnomalySeverity::Warning
            },
            field: self.field.to_owned(),
            description_nl: self.nl.to_owned(),
            description_fr: self.fr.to_owned(),
            description_en: self.en.to_owned(),
        }
    }
}

/// The catalogue entry for a code.
pub fn by_code(code: &str) -> Option<&'static AnomalyKind> {
    ALL.iter().find(|a| a.code == code)
}

/// A server anomaly's text in `lang`.
pub fn anomaly_text(anomaly: &Anomaly, lang: Lang) -> &str {
    match lang {
        Lang::Nl => &anomaly.description_nl,
        Lang::Fr => &anomaly.description_fr,
        Lang::En => &anomaly.description_en,
    }
}
