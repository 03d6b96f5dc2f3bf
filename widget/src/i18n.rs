//! Every string the widget shows, in English, Portuguese and German, picked by the `lang`
//! attribute. Kept in one table so a translator edits one file and nothing else.

use hwr_protocol::CandidateField;

/// The widget's display language. Unknown or missing languages fall back to English.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Portuguese.
    Pt,
    /// German.
    De,
}

impl Lang {
    /// Parses a BCP 47 tag by its primary subtag (`pt-BR` → Portuguese); anything else is English.
    pub fn from_tag(tag: &str) -> Lang {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        match primary.to_ascii_lowercase().as_str() {
            "pt" => Lang::Pt,
            "de" => Lang::De,
            _ => Lang::En,
        }
    }

    /// The strings in this language.
    pub(crate) fn strings(self) -> &'static Strings {
        match self {
            Lang::En => &EN,
            Lang::Pt => &PT,
            Lang::De => &DE,
        }
    }

    /// The tag to put in the `lang` attribute of the rendered markup.
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Pt => "pt",
            Lang::De => "de",
        }
    }
}

/// `template` (one of the strings with a `{}`) with `value` in its place.
pub(crate) fn fill(template: &str, value: &str) -> String {
    template.replacen("{}", value, 1)
}

/// The server's field message for a country Remote cannot hire in; the widget's own check says
/// the same.
pub(crate) const UNSUPPORTED_COUNTRY_FIELD: &str = "is not a country Remote can hire in";

/// The widget's field message for a start date before the country form's earliest one.
pub(crate) const TOO_EARLY_FIELD: &str = "is before the earliest start date in this country";

/// One language's strings.
pub(crate) struct Strings {
    pub(crate) button: &'static str,
    pub(crate) connecting: &'static str,
    pub(crate) submitting: &'static str,
    pub(crate) redirecting: &'static str,
    pub(crate) consent_in_this_window: &'static str,
    pub(crate) denied: &'static str,
    pub(crate) popup_closed: &'static str,
    pub(crate) reconsent: &'static str,
    pub(crate) hired: &'static str,
    pub(crate) retry: &'static str,
    pub(crate) network: &'static str,
    pub(crate) consent_expired: &'static str,
    pub(crate) consent_failed: &'static str,
    pub(crate) misconfigured: &'static str,
    pub(crate) unexpected_answer: &'static str,
    /// `{}`: the country's name, or its code when the browser has no name for it.
    pub(crate) unsupported_country: &'static str,
    /// `{}`: the backend's URL.
    pub(crate) unreachable: &'static str,
    /// A redirect-mode hire that came back with an error code instead of onboarding.
    pub(crate) redirect_failed: &'static str,
    pub(crate) form_legend: &'static str,
    pub(crate) choose_country: &'static str,
    /// The empty first entry of a country form's `<select>`.
    pub(crate) choose_option: &'static str,
    /// The button of a candidate the company employs already.
    pub(crate) open_in_remote: &'static str,
    /// Sending such a candidate: the backend answers with a fresh onboarding link.
    pub(crate) opening: &'static str,
    /// Such a candidate's hire was answered and `redirect="none"` left navigation to the host.
    pub(crate) already_hired: &'static str,
    /// `{}`: the label of the hire's status (see [`Strings::status_label`]).
    pub(crate) hire_status: &'static str,
    labels: [&'static str; 5],
    messages: FieldMessages,
    /// In the order of [`status_index`].
    statuses: [&'static str; 9],
}

/// Translations of the messages `Candidate::validate` produces (they are English on the wire).
struct FieldMessages {
    required: &'static str,
    too_long: &'static str,
    control_characters: &'static str,
    email: &'static str,
    date_format: &'static str,
    date_past: &'static str,
    country: &'static str,
    country_unsupported: &'static str,
    too_early: &'static str,
}

impl Strings {
    /// The form label of a candidate field.
    pub(crate) fn label(&self, field: CandidateField) -> &'static str {
        let index = CandidateField::ALL
            .iter()
            .position(|f| *f == field)
            .unwrap_or_default();
        self.labels[index]
    }

    /// A short label for Remote's employment status; one Remote adds later reads as its wire
    /// name made readable (`probation_ended` → "Probation ended").
    pub(crate) fn status_label(&self, status: &str) -> String {
        if let Some(index) = status_index(status) {
            return self.statuses[index].to_owned();
        }
        // Remote's statuses are ASCII snake_case; ASCII casing keeps Unicode's tables out.
        let mut words = status.trim().replace('_', " ");
        if let Some(first) = words.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        words
    }

    /// Translates a field message from `Candidate::validate`; server messages pass through as
    /// they are, since the server words them for people already.
    pub(crate) fn field_message<'a>(&self, message: &'a str) -> &'a str {
        let m = &self.messages;
        match message {
            "is required" => m.required,
            "must be at most 200 characters" => m.too_long,
            "must not contain control characters" => m.control_characters,
            "must be a valid email address" => m.email,
            "must be a date in YYYY-MM-DD format" => m.date_format,
            "must not be in the past" => m.date_past,
            "must be an ISO 3166-1 alpha-2 or alpha-3 code" => m.country,
            UNSUPPORTED_COUNTRY_FIELD => m.country_unsupported,
            TOO_EARLY_FIELD => m.too_early,
            other => other,
        }
    }
}

/// Remote's employment statuses (remote-api.md "Employment status and onboarding"), grouped
/// by what they mean to the employer looking at the button.
fn status_index(status: &str) -> Option<usize> {
    Some(match status {
        "created" | "pre_hire" | "created_awaiting_reserve" | "created_reserve_paid" => 0,
        "initiated" => 1,
        "invited" => 2,
        "pending" | "pending_post_self_enrollment_actions" => 3,
        "review" | "job_title_review" => 4,
        "active" => 5,
        "offboarding" => 6,
        "archived" => 7,
        "deleted" => 8,
        _ => return None,
    })
}

static EN: Strings = Strings {
    button: "Hire with Remote",
    connecting: "Waiting for your permission in the Remote window…",
    submitting: "Sending the candidate to Remote…",
    redirecting: "Opening onboarding in Remote…",
    consent_in_this_window: "Pop-up blocked: continuing with Remote in this window…",
    denied: "Permission was not given, so nothing was sent to Remote.",
    popup_closed: "The Remote window was closed, so nothing was sent.",
    reconsent: "Remote needs your permission again. Press Hire with Remote to continue.",
    hired: "Sent to Remote.",
    retry: "Try again",
    network: "Could not reach the server. Check your connection and try again.",
    consent_expired: "The permission request expired. Please try again.",
    consent_failed: "Connecting to Remote failed. Please try again.",
    misconfigured: "This button is not set up correctly: its backend or token is missing.",
    unexpected_answer: "The server gave an unexpected answer. Please try again.",
    unsupported_country: "Remote cannot hire in {} yet. Choose another country or contact Remote.",
    unreachable: "Can't reach hire-with-remote at {}. Check that this page's origin is listed in \
        HWR_ALLOWED_ORIGINS and that the backend is running.",
    redirect_failed: "Remote could not complete the hire. Please try again.",
    form_legend: "Remote needs a few more details",
    choose_country: "Choose a country",
    choose_option: "Choose…",
    open_in_remote: "Open in Remote",
    opening: "Opening this hire in Remote…",
    already_hired: "Already in Remote; nothing new was created.",
    hire_status: "In Remote: {}",
    labels: [
        "Full name",
        "Job title",
        "Personal email",
        "Start date",
        "Country",
    ],
    messages: FieldMessages {
        required: "Required.",
        too_long: "Use at most 200 characters.",
        control_characters: "Remove the special characters.",
        email: "Enter a valid email address.",
        date_format: "Enter a date.",
        date_past: "Choose today or a later date.",
        country: "Choose a country.",
        country_unsupported: "Choose a country Remote can hire in.",
        too_early: "Choose a later date: the earliest start in this country is later.",
    },
    statuses: [
        "Created",
        "Onboarding started",
        "Invited",
        "Pending",
        "In review",
        "Active",
        "Offboarding",
        "Archived",
        "Deleted",
    ],
};

static PT: Strings = Strings {
    button: "Contratar com a Remote",
    connecting: "A aguardar a sua autorização na janela da Remote…",
    submitting: "A enviar o candidato para a Remote…",
    redirecting: "A abrir o onboarding na Remote…",
    consent_in_this_window: "Pop-up bloqueado: a continuar com a Remote nesta janela…",
    denied: "A autorização não foi dada; nada foi enviado para a Remote.",
    popup_closed: "A janela da Remote foi fechada; nada foi enviado.",
    reconsent: "A Remote precisa novamente da sua autorização. Prima Contratar com a Remote.",
    hired: "Enviado para a Remote.",
    retry: "Tentar novamente",
    network: "Não foi possível contactar o servidor. Verifique a ligação e tente novamente.",
    consent_expired: "O pedido de autorização expirou. Tente novamente.",
    consent_failed: "A ligação à Remote falhou. Tente novamente.",
    misconfigured: "Este botão não está bem configurado: falta o backend ou o token.",
    unexpected_answer: "O servidor deu uma resposta inesperada. Tente novamente.",
    unsupported_country: "A Remote ainda não pode contratar neste país ({}). Escolha outro país \
        ou contacte a Remote.",
    unreachable:
        "Não foi possível contactar o hire-with-remote em {}. Verifique se a origem desta \
        página está em HWR_ALLOWED_ORIGINS e se o backend está a funcionar.",
    redirect_failed: "A Remote não conseguiu concluir a contratação. Tente novamente.",
    form_legend: "A Remote precisa de mais alguns dados",
    choose_country: "Escolha um país",
    choose_option: "Escolha…",
    open_in_remote: "Abrir na Remote",
    opening: "A abrir esta contratação na Remote…",
    already_hired: "Já está na Remote; nada de novo foi criado.",
    hire_status: "Na Remote: {}",
    labels: [
        "Nome completo",
        "Cargo",
        "Email pessoal",
        "Data de início",
        "País",
    ],
    messages: FieldMessages {
        required: "Obrigatório.",
        too_long: "Use no máximo 200 caracteres.",
        control_characters: "Remova os caracteres especiais.",
        email: "Introduza um email válido.",
        date_format: "Introduza uma data.",
        date_past: "Escolha hoje ou uma data posterior.",
        country: "Escolha um país.",
        country_unsupported: "Escolha um país onde a Remote possa contratar.",
        too_early: "Escolha uma data posterior: neste país o início mais cedo é mais tarde.",
    },
    statuses: [
        "Criado",
        "Onboarding iniciado",
        "Convite enviado",
        "Pendente",
        "Em revisão",
        "Ativo",
        "Em offboarding",
        "Arquivado",
        "Eliminado",
    ],
};

static DE: Strings = Strings {
    button: "Mit Remote einstellen",
    connecting: "Warte auf Ihre Zustimmung im Remote-Fenster…",
    submitting: "Kandidat wird an Remote gesendet…",
    redirecting: "Onboarding bei Remote wird geöffnet…",
    consent_in_this_window: "Pop-up blockiert: weiter mit Remote in diesem Fenster…",
    denied: "Keine Zustimmung erteilt, daher wurde nichts an Remote gesendet.",
    popup_closed: "Das Remote-Fenster wurde geschlossen, daher wurde nichts gesendet.",
    reconsent: "Remote braucht erneut Ihre Zustimmung. Klicken Sie auf Mit Remote einstellen.",
    hired: "An Remote gesendet.",
    retry: "Erneut versuchen",
    network:
        "Der Server ist nicht erreichbar. Prüfen Sie die Verbindung und versuchen Sie es erneut.",
    consent_expired: "Die Anfrage ist abgelaufen. Bitte erneut versuchen.",
    consent_failed: "Die Verbindung mit Remote ist fehlgeschlagen. Bitte erneut versuchen.",
    misconfigured: "Diese Schaltfläche ist falsch eingerichtet: Backend oder Token fehlt.",
    unexpected_answer: "Unerwartete Antwort vom Server. Bitte erneut versuchen.",
    unsupported_country: "Remote kann in diesem Land ({}) noch nicht einstellen. Wählen Sie ein \
        anderes Land oder wenden Sie sich an Remote.",
    unreachable: "hire-with-remote unter {} ist nicht erreichbar. Prüfen Sie, ob der Ursprung \
        dieser Seite in HWR_ALLOWED_ORIGINS steht und ob das Backend läuft.",
    redirect_failed: "Remote konnte die Einstellung nicht abschließen. Bitte erneut versuchen.",
    form_legend: "Remote braucht noch ein paar Angaben",
    choose_country: "Land wählen",
    choose_option: "Bitte wählen…",
    open_in_remote: "In Remote öffnen",
    opening: "Diese Einstellung wird in Remote geöffnet…",
    already_hired: "Bereits bei Remote; nichts Neues angelegt.",
    hire_status: "Bei Remote: {}",
    labels: [
        "Vollständiger Name",
        "Berufsbezeichnung",
        "Private E-Mail",
        "Startdatum",
        "Land",
    ],
    messages: FieldMessages {
        required: "Pflichtfeld.",
        too_long: "Höchstens 200 Zeichen.",
        control_characters: "Bitte Sonderzeichen entfernen.",
        email: "Bitte eine gültige E-Mail-Adresse eingeben.",
        date_format: "Bitte ein Datum eingeben.",
        date_past: "Bitte heute oder ein späteres Datum wählen.",
        country: "Bitte ein Land wählen.",
        country_unsupported: "Bitte ein Land wählen, in dem Remote einstellen kann.",
        too_early:
            "Bitte ein späteres Datum wählen: in diesem Land ist der früheste Beginn später.",
    },
    statuses: [
        "Angelegt",
        "Onboarding gestartet",
        "Eingeladen",
        "Ausstehend",
        "In Prüfung",
        "Aktiv",
        "Offboarding",
        "Archiviert",
        "Gelöscht",
    ],
};
