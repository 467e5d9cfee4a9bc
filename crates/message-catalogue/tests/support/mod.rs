//! The override directory both test files of the catalogue write their templates into.
#![allow(dead_code)] // each test file uses what it needs of it

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use message_catalogue::{Catalogue, CatalogueError, Problems};

/// A fresh directory under the system temp dir, removed on drop.
pub struct Dir(pub PathBuf);

impl Dir {
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("message-catalogue-test-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub fn write(&self, name: &str, text: &str) -> &Self {
        let path = self.0.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
        self
    }

    /// Copies every built-in template of `from` into `<dir>/<to>/`.
    pub fn copy_locale(&self, from: &str, to: &str) -> &Self {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates").join(from);
        for entry in fs::read_dir(source).unwrap() {
            let entry = entry.unwrap();
            let text = fs::read_to_string(entry.path()).unwrap();
            self.write(&format!("{to}/{}", entry.file_name().to_str().unwrap()), &text);
        }
        self
    }

    pub fn load(&self) -> Result<Catalogue, CatalogueError> {
        Catalogue::load(Some(&self.0), "en")
    }

    pub fn problems(&self) -> Problems {
        match self.load() {
            Err(CatalogueError::Templates(problems)) => problems,
            other => panic!("expected template problems, got {other:?}"),
        }
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
