//! SIGHUP: which changes between the running configuration and a freshly loaded one can be
//! applied in place, which need a restart, and which do not matter to this role.
//!
//! Pure: it compares the effective keys of two loads. The classification comes from the schema
//! (`Reload::Live` / `Reload::Restart`); keys inside free maps take their map's class.

use std::collections::BTreeMap;
use std::fmt;

use super::origin::{is_secret, EffectiveKey};
use super::schema::Reload;
use super::LoadedConfig;

/// One key whose effective value differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChange {
    pub path: String,
    /// `None` when the key did not exist before (a new map pattern, a new property).
    pub old: Option<String>,
    pub new: Option<String>,
}

impl fmt::Display for KeyChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<String>| match v {
            None => "(absent)".to_string(),
            Some(_) if is_secret(&self.path) => "********".to_string(),
            Some(v) => v.clone(),
        };
        write!(
            f,
            "{}: {} -> {}",
            self.path,
            show(&self.old),
            show(&self.new)
        )
    }
}

/// The changes sorted by what applying them takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadPlan {
    /// Applied by the running process.
    pub live: Vec<KeyChange>,
    /// Refused until the service restarts; the old value stays in force.
    pub restart: Vec<KeyChange>,
    /// Keys this role does not read.
    pub no_effect: Vec<KeyChange>,
}

impl ReloadPlan {
    pub fn is_empty(&self) -> bool {
        self.live.is_empty() && self.restart.is_empty() && self.no_effect.is_empty()
    }

    pub fn needs_restart(&self) -> bool {
        !self.restart.is_empty()
    }
}

/// Classifies every changed key. If the role itself changed, everything needs a restart.
pub fn plan_reload(old: &LoadedConfig, new: &LoadedConfig) -> ReloadPlan {
    let index = |keys: &[EffectiveKey]| -> BTreeMap<String, EffectiveKey> {
        keys.iter().map(|k| (k.path.clone(), k.clone())).collect()
    };
    let (before, after) = (index(&old.origins), index(&new.origins));
    let same_role = old.server.role == new.server.role;
    let mut plan = ReloadPlan::default();
    let paths: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for path in paths {
        let (b, a) = (before.get(path), after.get(path));
        let old_value = b.map(|k| k.value.clone());
        let new_value = a.map(|k| k.value.clone());
        if old_value == new_value {
            continue;
        }
        let spec = a.or(b).expect("the path came from one of the two maps");
        let change = KeyChange {
            path: path.clone(),
            old: old_value,
            new: new_value,
        };
        if !same_role {
            plan.restart.push(change);
        } else if !spec.applies {
            plan.no_effect.push(change);
        } else if spec.reload == Reload::Live {
            plan.live.push(change);
        } else {
            plan.restart.push(change);
        }
    }
    plan
}

impl fmt::Display for ReloadPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "no configuration changes");
        }
        for (title, list) in [
            ("applied", &self.live),
            ("needs a restart (old value kept)", &self.restart),
            ("not read by this role", &self.no_effect),
        ] {
            if list.is_empty() {
                continue;
            }
            writeln!(f, "{title}:")?;
            for c in list {
                writeln!(f, "  {c}")?;
            }
        }
        Ok(())
    }
}
