//! The built-in templates, compiled into every binary that uses the catalogue.

/// The locales the binaries ship with.
pub const LOCALES: [&str; 3] = ["en", "de", "pt"];

/// Shared templates (no locale): the HTML layout every built-in HTML body extends.
pub const SHARED: [(&str, &str); 1] = [("layout.html", include_str!("../templates/layout.html"))];

macro_rules! file {
    ($locale:literal, $file:literal) => {
        (concat!($locale, "/", $file), include_str!(concat!("../templates/", $locale, "/", $file)))
    };
}

macro_rules! locale {
    ($locale:literal) => {
        [
            file!($locale, "sign-up.subject.txt"),
            file!($locale, "sign-up.html"),
            file!($locale, "sign-up.txt"),
            file!($locale, "sign-up.sms.txt"),
            file!($locale, "admin-invitation.subject.txt"),
            file!($locale, "admin-invitation.html"),
            file!($locale, "admin-invitation.txt"),
            file!($locale, "admin-invitation.sms.txt"),
            file!($locale, "resend-code.subject.txt"),
            file!($locale, "resend-code.html"),
            file!($locale, "resend-code.txt"),
            file!($locale, "resend-code.sms.txt"),
            file!($locale, "forgot-password.subject.txt"),
            file!($locale, "forgot-password.html"),
            file!($locale, "forgot-password.txt"),
            file!($locale, "forgot-password.sms.txt"),
            file!($locale, "update-attribute.subject.txt"),
            file!($locale, "update-attribute.html"),
            file!($locale, "update-attribute.txt"),
            file!($locale, "update-attribute.sms.txt"),
            file!($locale, "verify-attribute.subject.txt"),
            file!($locale, "verify-attribute.html"),
            file!($locale, "verify-attribute.txt"),
            file!($locale, "verify-attribute.sms.txt"),
            file!($locale, "sign-in-code.subject.txt"),
            file!($locale, "sign-in-code.html"),
            file!($locale, "sign-in-code.txt"),
            file!($locale, "sign-in-code.sms.txt"),
            file!($locale, "account-takeover.subject.txt"),
            file!($locale, "account-takeover.html"),
            file!($locale, "account-takeover.txt"),
            file!($locale, "account-takeover.sms.txt"),
            file!($locale, "welcome.subject.txt"),
            file!($locale, "welcome.html"),
            file!($locale, "welcome.txt"),
            file!($locale, "sign-up-reminder.subject.txt"),
            file!($locale, "sign-up-reminder.html"),
            file!($locale, "sign-up-reminder.txt"),
            file!($locale, "sign-up-expired.subject.txt"),
            file!($locale, "sign-up-expired.html"),
            file!($locale, "sign-up-expired.txt"),
        ]
    };
}

/// `(template name, source)` for every built-in locale: 8 kinds × 4 parts, and the 3 e-mail-only
/// kinds × 3 parts (no SMS).
pub const TEMPLATES: [[(&str, &str); 41]; 3] = [locale!("en"), locale!("de"), locale!("pt")];

/// Every built-in template, shared ones first.
pub fn all() -> impl Iterator<Item = (&'static str, &'static str)> {
    SHARED.into_iter().chain(TEMPLATES.into_iter().flatten())
}
