//! The data every sandbox starts with: the integration, two companies and their managers.
//! Ids are fixed so tests and integrators can name them without asking the sandbox first.

/// The only OAuth scope Remote grants to partners (the same string on Remote's sandbox).
pub const SCOPE: &str = "https://gateway.remote.com/company.manage";

/// Machine name of the integration the consent page asks about.
pub const INTEGRATION_NAME: &str = "demo-job-site";
/// Human name of the integration, shown on the consent page ("Authorize Demo Job Site").
pub const INTEGRATION_DISPLAY_NAME: &str = "Demo Job Site";
/// Contact address of the integration, as `GET /v1/identity/current` reports it.
pub const INTEGRATION_CONTACT_EMAIL: &str = "integrations@demo-job-site.example";

/// Id of the seeded company "Acme Robotics".
pub const ACME_ROBOTICS_ID: &str = "acacacac-0000-4000-8000-000000000001";
/// Id of Maria Manager, admin of Acme Robotics.
pub const MARIA_MANAGER_ID: &str = "acacacac-0000-4000-8000-000000000101";
/// Id of Olivia Owner, owner of Acme Robotics.
pub const OLIVIA_OWNER_ID: &str = "acacacac-0000-4000-8000-000000000102";
/// Id of the seeded company "Globex Corp".
pub const GLOBEX_CORP_ID: &str = "91ebe000-0000-4000-8000-000000000002";
/// Id of Greg Admin, admin of Globex Corp.
pub const GREG_ADMIN_ID: &str = "91ebe000-0000-4000-8000-000000000201";

/// A company that exists in the sandbox from the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedCompany {
    /// Remote company id (UUID).
    pub id: &'static str,
    /// Company name, shown on the consent and onboarding pages.
    pub name: &'static str,
    /// The company's managers; the first is the one tests usually consent as.
    pub managers: &'static [SeedManager],
}

/// A company manager (a Remote user who can consent and receives magic links).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedManager {
    /// Remote user id (UUID); the `user_id` of token responses and magic links.
    pub id: &'static str,
    /// Full name.
    pub name: &'static str,
    /// Login email.
    pub email: &'static str,
    /// Role in the company, as `GET /v1/company-managers` reports it.
    pub role: &'static str,
}

static COMPANIES: [SeedCompany; 2] = [
    SeedCompany {
        id: ACME_ROBOTICS_ID,
        name: "Acme Robotics",
        managers: &[
            SeedManager {
                id: MARIA_MANAGER_ID,
                name: "Maria Manager",
                email: "maria.manager@acme-robotics.example",
                role: "admin",
            },
            SeedManager {
                id: OLIVIA_OWNER_ID,
                name: "Olivia Owner",
                email: "olivia.owner@acme-robotics.example",
                role: "owner",
            },
        ],
    },
    SeedCompany {
        id: GLOBEX_CORP_ID,
        name: "Globex Corp",
        managers: &[SeedManager {
            id: GREG_ADMIN_ID,
            name: "Greg Admin",
            email: "greg.admin@globex.example",
            role: "admin",
        }],
    },
];

/// Every seeded company, in a fixed order (Acme Robotics first).
pub fn companies() -> &'static [SeedCompany] {
    &COMPANIES
}

/// The seeded company with this id.
pub fn company(id: &str) -> Option<&'static SeedCompany> {
    COMPANIES.iter().find(|company| company.id == id)
}

/// The seeded manager with this user id, with the company they manage.
pub fn manager(user_id: &str) -> Option<(&'static SeedCompany, &'static SeedManager)> {
    COMPANIES.iter().find_map(|company| {
        company
            .managers
            .iter()
            .find(|manager| manager.id == user_id)
            .map(|manager| (company, manager))
    })
}
