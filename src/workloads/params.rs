//! Numeric workload parameters with defaults and bounds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::WorkloadError;

/// One parameter a workload takes.
#[derive(Debug)]
pub struct ParamInfo {
    /// Its name (also the CLI flag, `--name`).
    pub name: &'static str,
    /// What it means, for people.
    pub help: &'static str,
    /// Its default.
    pub default: u64,
    /// Smallest allowed value.
    pub min: u64,
    /// Largest allowed value.
    pub max: u64,
}

/// Parameter values by name.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Params(pub BTreeMap<String, u64>);

impl Params {
    /// Every parameter at its default.
    pub fn defaults(infos: &[ParamInfo]) -> Self {
        Params(infos.iter().map(|p| (p.name.to_string(), p.default)).collect())
    }
    /// A value, if set.
    pub fn get(&self, name: &str) -> Option<u64> {
        self.0.get(name).copied()
    }
    /// Sets a value.
    pub fn set(&mut self, name: &str, value: u64) {
        self.0.insert(name.to_string(), value);
    }
    pub(crate) fn check(&self, infos: &[ParamInfo]) -> Result<(), WorkloadError> {
        for (name, &value) in &self.0 {
            let Some(p) = infos.iter().find(|p| p.name == name) else {
                return Err(WorkloadError::UnknownParam(name.clone()));
            };
            if value < p.min || value > p.max {
                return Err(WorkloadError::Param { name: p.name, value, min: p.min, max: p.max });
            }
        }
        Ok(())
    }
}
