//! An observatory is a folder: `palermo.toml`, the agency files and their mappings, the database
//! (SQLite by default) and `out/`.

use std::path::{Path, PathBuf};

use store::Store;

use crate::settings::{self, DATABASE_FILE, SETTINGS_FILE, Settings};
use crate::{Error, Result};

/// An opened observatory: its folder, settings and store.
#[derive(Debug)]
pub struct Observatory {
    pub dir: PathBuf,
    pub settings: Settings,
    pub store: Store,
}

/// Creates an empty observatory in `dir` (which must not exist or be empty).
pub fn init(dir: &Path, name: &str, country: &str) -> Result<()> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    if dir.exists() && std::fs::read_dir(dir).map_err(io(dir))?.next().is_some() {
        return Err(Error::NotEmpty(dir.to_owned()));
    }
    for sub in ["data", "mappings"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(io(dir))?;
    }
    let path = dir.join(SETTINGS_FILE);
    std::fs::write(&path, settings::template(name, country)).map_err(io(&path))?;
    Ok(())
}

impl Observatory {
    /// Opens the observatory in `dir`, on `database` (a URL) or the embedded SQLite file.
    pub async fn open(dir: &Path, database: Option<&str>) -> Result<Observatory> {
        let settings = Settings::load(dir)?;
        let store = match database {
            Some(url) => Store::open(url).await?,
            None => Store::open_sqlite(&dir.join(DATABASE_FILE)).await?,
        };
        Ok(Observatory { dir: dir.to_owned(), settings, store })
    }

    /// Reads and validates the mapping of a source.
    pub fn mapping(&self, source: &str) -> Result<ingest::Mapping> {
        let settings = self.settings.source(source).ok_or_else(|| Error::UnknownSource(source.to_owned()))?;
        load_mapping(&self.dir.join(&settings.mapping))
    }
}

/// Reads and validates a mapping file.
pub fn load_mapping(path: &Path) -> Result<ingest::Mapping> {
    ingest::check_regular_file(path)?;
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    Ok(ingest::Mapping::parse(&path.display().to_string(), &text)?)
}
