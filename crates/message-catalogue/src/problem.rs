//! What is wrong with a template, said so that its author can fix it: the file, the line, what.

use std::fmt;

/// One thing wrong with one template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file as its author knows it: the override's path, or `built-in <name>`.
    pub file: String,
    /// The line in that file, when the engine knows it.
    pub line: Option<usize>,
    pub what: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.what),
            None => write!(f, "{}: {}", self.file, self.what),
        }
    }
}

/// Every problem found, so that one run of the validation shows them all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(&mut self, file: impl Into<String>, line: Option<usize>, what: impl Into<String>) {
        self.0.push(Problem { file: file.into(), line, what: what.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}
