using System.Net.Http.Json;
using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Audit;
using Ligbox.Core.Gate;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Api;

/// <summary>
/// Issue 11: a job's name and ticket change without touching an approved gate (the approval is bound to what is
/// migrated, not to labels); its folder mappings are part of what was approved, so changing them revokes it.
/// Both through PATCH /api/migration/jobs/{id}, the service the settings dialog calls, audited in words.
/// </summary>
public class JobSettingsGateApiTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>
{
    [Fact]
    public async Task NameAndTicket_KeepTheApproval_FolderMappings_RevokeIt()
    {
        var domain = $"labels-{Guid.NewGuid():N}"[..14] + ".example.com";
        var id = await GateSeed.ReadyJobAsync(app.Services, domain, ticketId: "HD-1");
        var gates = app.Services.GetRequiredService<GateService>();
        Assert.Equal(GateState.Approved, (await gates.ApproveAsync(id, "ops.lead@ligbox.test", "DNS may switch", false)).State);
        using var api = await app.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);

        using (var renamed = await api.PatchAsJsonAsync($"/api/migration/jobs/{id}", new { name = "Acme mail move", ticketId = "HD-2" }))
        {
            Assert.True(renamed.IsSuccessStatusCode, await renamed.Content.ReadAsStringAsync());
        }

        var job = await api.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/migration/jobs/{id}");
        Assert.Equal("Acme mail move", job.GetProperty("name").GetString());
        Assert.Equal("HD-2", job.GetProperty("ticketId").GetString());
        var view = await gates.GetAsync(id);
        Assert.Equal(GateState.Approved, view.State);
        Assert.DoesNotContain(view.Events, e => e.Action == "gate.revoked");
        var audit = await app.Services.GetRequiredService<AuditLog>().ListAsync(id, take: 50);
        var updated = Assert.Single(audit, e => e.Action == "job.updated");
        Assert.Equal([$"name changed from {domain} to Acme mail move", "ticket changed from HD-1 to HD-2"], ChangesOf(updated));

        // Throttling changes how fast, not what: audited, the approval holds.
        using (var throttled = await api.PatchAsJsonAsync($"/api/migration/jobs/{id}", new { options = new { maxConcurrentMailboxes = 2, maxMessagesPerSecond = 5.5 } }))
        {
            Assert.True(throttled.IsSuccessStatusCode, await throttled.Content.ReadAsStringAsync());
        }

        Assert.Equal(GateState.Approved, (await gates.GetAsync(id)).State);
        audit = await app.Services.GetRequiredService<AuditLog>().ListAsync(id, take: 50);
        Assert.Contains(audit, e => e.Action == "job.updated" && ChangesOf(e).SequenceEqual(["mailboxes at once changed from (none) to 2", "messages per second changed from (none) to 5.5"]));

        using (var mapped = await api.PatchAsJsonAsync($"/api/migration/jobs/{id}",
            new { options = new { folderMappings = new Dictionary<string, string> { ["Old Archive"] = "Archive" } } }))
        {
            Assert.True(mapped.IsSuccessStatusCode, await mapped.Content.ReadAsStringAsync());
        }

        view = await gates.GetAsync(id);
        Assert.NotEqual(GateState.Approved, view.State);
        var revoked = Assert.Single(view.Events, e => e.Action == "gate.revoked");
        Assert.Contains("the job's folder options (include, exclude, mapping, date window) changed after the approval", revoked.Details, StringComparison.Ordinal);
        audit = await app.Services.GetRequiredService<AuditLog>().ListAsync(id, take: 50);
        // (PATCH replaces the options object: the throttling left out of it goes back to none, audited too.)
        Assert.Contains(audit, e => e.Action == "job.updated" && ChangesOf(e).Contains("folder mappings changed from (none) to Old Archive → Archive"));
    }

    [Fact]
    public void TheFingerprintsOptions_KeepTheShapeApprovalsStored_WithoutThrottling()
    {
        // What approvals stored before throttling existed: the same string now, so they still hold.
        Assert.Equal("""{"includeFolders":[],"excludeFolders":[],"folderMappings":{},"maxMessageAgeDays":null,"mirrorOnFinal":false}""",
            GateFingerprint.OptionsOf(new Ligbox.Core.Jobs.JobOptions { MaxConcurrentMailboxes = 3, MaxMessagesPerSecond = 10, MaxBytesPerSecond = 1_000_000 }));
    }

    /// <summary>The audit entry's changes in words (its details are JSON).</summary>
    private static List<string> ChangesOf(AuditEntryDto entry) =>
        System.Text.Json.JsonDocument.Parse(entry.Details ?? "{}").RootElement.GetProperty("changes").EnumerateArray().Select(c => c.GetString() ?? "").ToList();
}
