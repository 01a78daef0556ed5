using Ligbox.Core.Accounts;
using Microsoft.AspNetCore.Authorization;

namespace Ligbox.Console.Auth;

/// <summary>Every page and endpoint names one of these.</summary>
public static class Policies
{
    // People only (pages). The names are the customer's permission names (T007).
    public const string CanManageMigration = Permissions.CanManageMigration;
    public const string CanApproveMigrationGate = Permissions.CanApproveMigrationGate;
    public const string Admin = Permissions.Admin;

    // API: the role or the token scope.
    public const string JobsRead = "api:" + Scopes.JobsRead;
    public const string JobsWrite = "api:" + Scopes.JobsWrite;
    public const string GateRead = "api:" + Scopes.GateRead;
    public const string GateApprove = "api:" + Scopes.GateApprove;

    public static AuthorizationBuilder AddLigboxPolicies(this AuthorizationBuilder auth) => auth
        .AddPolicy(CanManageMigration, p => p.AddRequirements(new PermissionRequirement(Permissions.ManageRoles, null)))
        .AddPolicy(CanApproveMigrationGate, p => p.AddRequirements(new PermissionRequirement(Permissions.ApproveRoles, null)))
        .AddPolicy(Admin, p => p.AddRequirements(new PermissionRequirement([Roles.Admin], null)))
        .AddPolicy(JobsRead, p => p.AddRequirements(new PermissionRequirement(Permissions.ManageRoles, Scopes.JobsRead)))
        .AddPolicy(JobsWrite, p => p.AddRequirements(new PermissionRequirement(Permissions.ManageRoles, Scopes.JobsWrite)))
        .AddPolicy(GateRead, p => p.AddRequirements(new PermissionRequirement(Permissions.ManageRoles, Scopes.GateRead)))
        .AddPolicy(GateApprove, p => p.AddRequirements(new PermissionRequirement(Permissions.ApproveRoles, Scopes.GateApprove)));
}
