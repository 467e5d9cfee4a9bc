//! The welcome e-mail text: a one-line template with `{name}`, `{email}` and `{username}`
//! placeholders (`{{` and `}}` for literal braces), parsed and checked once at init so that a
//! typo fails the cold start instead of every welcome e-mail.

/// The value a placeholder stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Name,
    Email,
    Username,
}

impl Field {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "name" => Some(Self::Name),
            "email" => Some(Self::Email),
            "username" => Some(Self::Username),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value(Field),
}

/// The values a template is filled with (user-supplied: escaped for HTML by [`Template::html`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values {
    pub name: String,
    pub email: String,
    pub username: String,
}

impl Values {
    fn get(&self, field: Field) -> &str {
        match field {
            Field::Name => &self.name,
            Field::Email => &self.email,
            Field::Username => &self.username,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

pub const DEFAULT_TEMPLATE: &str = "Hello {name}, welcome! Your account for {email} is ready.";

impl Template {
    /// Parses `text`; the error says what is wrong (the caller names the variable).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => name.push(c),
                            None => return Err(format!("placeholder {{{name} is not closed with }}")),
                        }
                    }
                    let field = Field::parse(name.trim()).ok_or_else(|| {
                        format!("unknown placeholder {{{name}}}: use {{name}}, {{email}} or {{username}}")
                    })?;
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Value(field));
                }
                '}' => return Err("a lone } (write }} for a literal brace)".to_owned()),
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        if pieces.is_empty() {
            return Err("the template is empty".to_owned());
        }
        Ok(Self { pieces })
    }

    fn render(&self, values: &Values, escape: fn(&str) -> String) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(&escape(text)),
                Piece::Value(field) => out.push_str(&escape(values.get(*field))),
            }
        }
        out
    }

    /// The plain-text body.
    pub fn text(&self, values: &Values) -> String {
        self.render(values, str::to_owned)
    }

    /// The HTML body: template text and user values alike are escaped, so a name such as
    /// `<script>` arrives as text.
    pub fn html(&self, values: &Values) -> String {
        format!("<p>{}</p>", self.render(values, escape_html))
    }
}

pub use trigger_core::html::escape as escape_html;

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        Values { name: "Jane <Doe>".into(), email: "j&d@example.com".into(), username: "jane\"o'".into() }
    }

    #[test]
    fn fills_placeholders_and_escapes_user_values_only_in_html() {
        let template = Template::parse("Hi {name} ({ username }) {{literal}} at {email}").unwrap();
        assert_eq!(template.text(&values()), "Hi Jane <Doe> (jane\"o') {literal} at j&d@example.com");
        assert_eq!(
            template.html(&values()),
            "<p>Hi Jane &lt;Doe&gt; (jane&quot;o&#39;) {literal} at j&amp;d@example.com</p>"
        );
    }

    #[test]
    fn the_default_template_parses() {
        let text = Template::parse(DEFAULT_TEMPLATE).unwrap().text(&values());
        assert_eq!(text, "Hello Jane <Doe>, welcome! Your account for j&d@example.com is ready.");
    }

    #[test]
    fn refuses_unknown_unclosed_and_stray_braces() {
        assert!(Template::parse("Hi {nmae}").unwrap_err().contains("unknown placeholder {nmae}"));
        assert!(Template::parse("Hi {name").unwrap_err().contains("not closed"));
        assert!(Template::parse("Hi name}").unwrap_err().contains("lone }"));
        assert!(Template::parse("").is_err());
    }
}
