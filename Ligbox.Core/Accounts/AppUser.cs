using Microsoft.AspNetCore.Identity;

namespace Ligbox.Core.Accounts;

public sealed class AppUser : IdentityUser
{
    public string? DisplayName { get; set; }
    public bool IsDisabled { get; set; }
    public DateTime CreatedAtUtc { get; set; }

    /// <summary>
    /// Set on the first admin when the console generated its password (printed once in the log): every page
    /// sends them to the change-password page until they chose their own. A configured password is not forced.
    /// </summary>
    public bool MustChangePassword { get; set; }

    /// <summary>"en" or "pt" (see <see cref="UserLanguages"/>); null follows the browser.</summary>
    public string? Language { get; set; }

    /// <summary>An IANA time zone ("Europe/Lisbon") for every date shown; null follows the browser.</summary>
    public string? TimeZoneId { get; set; }
}

/// <summary>The three roles and the two permissions (T007) they grant.</summary>
public static class Roles
{
    public const string Technician = "technician";
    public const string OpsLead = "ops_lead";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Technician, OpsLead, Admin];
}

public static class Permissions
{
    public const string CanManageMigration = "can_manage_migration";
    public const string CanApproveMigrationGate = "can_approve_migration_gate";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> ManageRoles = [Roles.Technician, Roles.OpsLead, Roles.Admin];
    public static readonly IReadOnlyList<string> ApproveRoles = [Roles.OpsLead, Roles.Admin];
}

/// <summary>Scopes an API token may carry.</summary>
public static class Scopes
{
    public const string JobsRead = "jobs:read";
    public const string JobsWrite = "jobs:write";
    public const string GateRead = "gate:read";
    public const string GateApprove = "gate:approve";

    public static readonly IReadOnlyList<string> All = [JobsRead, JobsWrite, GateRead, GateApprove];
}
