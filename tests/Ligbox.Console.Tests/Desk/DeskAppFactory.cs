using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;

namespace Ligbox.Console.Tests.Desk;

/// <summary>
/// The console for the helpdesk tests: the Desk sender polls every 200 ms and waits <paramref name="baseDelay"/>
/// before a retry; a client per person and per token scope in <see cref="Callers"/>.
/// </summary>
public abstract class DeskAppFactory(string baseDelay) : LigboxAppFactory
{
    public Dictionary<string, HttpClient> Callers { get; } = [];

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Ligbox:Desk:BaseDelay"] = baseDelay;
            settings["Ligbox:Desk:PollInterval"] = "00:00:00.200";
            return settings;
        }
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var (name, client) in await CreatePeopleClientsAsync())
        {
            Callers[name] = client;
        }

        Callers["token:jobs:write"] = await CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        Callers["token:all"] = await CreateTokenClientAsync([.. Scopes.All]);
    }
}
