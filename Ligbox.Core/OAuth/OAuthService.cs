using Ligbox.Core.Audit;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Security;
using Ligbox.Tools.NativeImap;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.OAuth;

/// <summary>
/// OAuth 2.0 from the console (issue 15): a job side's client settings, the mailboxes' consents (authorization code with
/// PKCE through the console's callback, or the device flow) and whether each mailbox is authorized. The one writer of
/// <see cref="JobOAuthSettings"/>; tokens are written here at consent and by <see cref="OAuthTokenSource"/> in runs.
/// The job page and the API call the same methods.
/// </summary>
public sealed class OAuthService(IDbContextFactory<LigboxDbContext> dbFactory, SecretProtector protector, OAuthClient client,
    OAuthPendingRequests pending, AuditLog audit, TimeProvider clock)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>The sides of the job that log in with XOAUTH2.</summary>
    public static IReadOnlyList<ImapSide> OAuthSides(MigrationJob job) =>
        [.. new[] { (ImapSide.Source, job.HasSource ? job.Source : null), (ImapSide.Destination, job.Destination) }
            .Where(s => s.Item2?.Auth == ImapAuthMode.XOAuth2).Select(s => s.Item1)];

    public async Task<IReadOnlyList<OAuthSettingsDto>> GetSettingsAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Set<JobOAuthSettings>().AsNoTracking().Where(s => s.JobId == jobId).ToListAsync(ct);
        return [.. rows.OrderBy(s => s.Side).Select(Dto)];
    }

    /// <summary>Saves a side's client settings (the secret encrypted); another issuer or client forgets that side's tokens.</summary>
    /// <exception cref="ValidationFailedException">Missing or malformed fields, or the side does not log in with XOAUTH2.</exception>
    public async Task<OAuthSettingsDto> SaveSettingsAsync(Guid jobId, ImapSide side, OAuthSettingsModel model, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        if (job.IsClosed)
        {
            throw new DomainException($"The job is {job.Phase}; its settings cannot change any more.");
        }

        var current = await db.Set<JobOAuthSettings>().SingleOrDefaultAsync(s => s.JobId == jobId && s.Side == side, ct);
        var errors = new Dictionary<string, List<string>>();
        var sideName = side == ImapSide.Source ? "source" : "destination";
        if (!OAuthSides(job).Contains(side))
        {
            errors.Add("side", $"The {sideName} logs in with a password: choose XOAuth2 as its authentication in the job's settings first.");
        }

        if (!Enum.IsDefined(model.Provider))
        {
            errors.Add("provider", "Choose Microsoft, Google or OpenIdConnect.");
        }

        var clientId = (model.ClientId ?? "").Trim();
        if (clientId.Length is 0 or > 300 || clientId.Any(char.IsControl))
        {
            errors.Add("clientId", "Enter the application (client) id of the console's app registration at the provider.");
        }

        var authority = string.IsNullOrWhiteSpace(model.Authority) ? null : model.Authority.Trim();
        if (authority is null && model.Provider == OAuthProviderKind.OpenIdConnect)
        {
            errors.Add("authority", "Enter the provider's issuer address (where /.well-known/openid-configuration is), e.g. https://id.example.com/.");
        }
        else if (authority is not null && (authority.Length > 500 || !Uri.TryCreate(authority, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
            || (uri.Scheme == "http" && !uri.IsLoopback)))
        {
            errors.Add("authority", "The issuer must be an https:// address (http:// only for a provider on this machine).");
        }

        if (model.ClientSecret is { } secret && (secret.Length > 1000 || secret.Any(char.IsControl)))
        {
            errors.Add("clientSecret", "The client secret is too long or contains a line break.");
        }

        var scopes = string.IsNullOrWhiteSpace(model.Scopes) ? null : string.Join(' ', model.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (scopes is { Length: > 1000 })
        {
            errors.Add("scopes", "The scopes must be 1,000 characters or fewer.");
        }

        ValidationFailedException.ThrowIfAny(errors);
        var settings = current ?? db.Set<JobOAuthSettings>().Add(new JobOAuthSettings(jobId, side)).Entity;
        var otherClient = settings.Set(model.Provider, authority, clientId,
            string.IsNullOrEmpty(model.ClientSecret) ? null : protector.Protect(model.ClientSecret), scopes, actor, Now);
        var forgotten = 0;
        if (current is not null && otherClient)
        {
            var tokens = await db.Set<MailboxOAuthToken>().Where(t => t.JobId == jobId && t.Side == side).ToListAsync(ct);
            db.RemoveRange(tokens);
            forgotten = tokens.Count;
        }

        audit.Add(db, actor, "oauth.settings_saved", "job", jobId, new
        {
            side = sideName,
            provider = model.Provider.ToString(),
            authority,
            clientId,
            scopes = settings.ToClient(protector).EffectiveScopes,
            secretChanged = !string.IsNullOrEmpty(model.ClientSecret),
            forgottenAuthorizations = forgotten,
        }, jobId);
        await db.SaveChangesAsync(ct);
        return Dto(settings);
    }

    /// <summary>Every mailbox of the job on each side that logs in with XOAUTH2, and whether it is authorized.</summary>
    public async Task<IReadOnlyList<MailboxAuthorizationDto>> ListAuthorizationsAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().Include(j => j.Mailboxes).SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        var sides = OAuthSides(job);
        if (sides.Count == 0)
        {
            return [];
        }

        // Looked up by mailbox and side: a tenant of thousands of mailboxes is one pass, not one scan per mailbox.
        var tokens = (await db.Set<MailboxOAuthToken>().AsNoTracking().Where(t => t.JobId == jobId).ToListAsync(ct))
            .ToDictionary(t => (t.MailboxId, t.Side));
        var now = Now;
        return [.. job.Mailboxes.OrderBy(m => m.SourceLogin, StringComparer.Ordinal).SelectMany(m => sides.Select(side =>
        {
            var t = tokens.GetValueOrDefault((m.Id, side));
            return new MailboxAuthorizationDto(m.Id, m.SourceLogin, side == ImapSide.Source ? m.SourceLogin : m.DestinationLogin, side,
                t?.StateAt(now) ?? MailboxOAuthState.NotAuthorized, t?.ExpiresAtUtc, t?.RefreshTokenProtected is not null, t?.AuthorizedAtUtc, t?.AuthorizedBy, t?.Problem);
        }))];
    }

    /// <summary>
    /// Starts a consent for one mailbox's side: the provider's authorization link (PKCE S256, the mailbox's login as hint).
    /// The verifier stays in this process under the link's <c>state</c>, bound to <paramref name="userKey"/>.
    /// </summary>
    public async Task<(string Url, string State)> BeginConsentAsync(Guid jobId, Guid mailboxId, ImapSide side, string redirectUri, string userKey, CancellationToken ct = default)
    {
        var (settings, login) = await ClientForAsync(jobId, mailboxId, side, ct);
        var request = await client.BeginAuthorizationAsync(settings, redirectUri, login, ct);
        pending.Add(new PendingConsent(request.State, request.CodeVerifier, redirectUri, jobId, mailboxId, side, userKey, clock.GetUtcNow() + OAuthPendingRequests.Lifetime));
        return (request.Url, request.State);
    }

    /// <summary>
    /// The callback: the provider's answer to the consent with this <paramref name="state"/>. Only the user who started it
    /// finishes it, once; the code is exchanged (with the PKCE verifier) and the tokens stored encrypted.
    /// </summary>
    /// <exception cref="DomainException">Unknown, expired or someone else's state, or the provider refused: plain words.</exception>
    public async Task<ConsentOutcome> CompleteConsentAsync(string? state, string? code, string? error, string? errorDescription, string userKey, string actor,
        CancellationToken ct = default)
    {
        var consent = string.IsNullOrEmpty(state) ? null : pending.Take(state);
        if (consent is null || consent.UserKey != userKey)
        {
            throw new OAuthConsentFailedException(
                "This sign-in answer does not belong to a consent you started in this console (or it is older than 15 minutes). Press Authorize again.", null, null);
        }

        var (settings, login) = await ClientForAsync(consent.JobId, consent.MailboxId, consent.Side, ct);
        var outcome = new ConsentOutcome(consent.JobId, consent.MailboxId, login, consent.Side);
        if (!string.IsNullOrEmpty(error) || string.IsNullOrEmpty(code))
        {
            var why = $"the provider did not give the permission ({error ?? "no code"}{(string.IsNullOrEmpty(errorDescription) ? "" : ": " + errorDescription)})";
            await RecordFailureAsync(consent.JobId, consent.MailboxId, consent.Side, why, ct);
            throw new OAuthConsentFailedException($"{login}: {why}. Press Authorize to try again.", consent.JobId, consent.MailboxId);
        }

        OAuthTokens tokens;
        try
        {
            tokens = await client.ExchangeCodeAsync(settings, code, consent.CodeVerifier, consent.RedirectUri, ct);
        }
        catch (OAuthException ex)
        {
            await RecordFailureAsync(consent.JobId, consent.MailboxId, consent.Side, ex.Message, ct);
            throw new OAuthConsentFailedException($"{login}: {ex.Message}. Press Authorize to try again.", consent.JobId, consent.MailboxId);
        }

        await StoreAsync(outcome, tokens, actor, "consent", ct);
        return outcome;
    }

    /// <summary>Starts the device flow for one mailbox's side: the code an admin enters on the provider's page (another device).</summary>
    public async Task<DeviceAuthorizationDto> BeginDeviceAsync(Guid jobId, Guid mailboxId, ImapSide side, string actor, CancellationToken ct = default)
    {
        var (settings, _) = await ClientForAsync(jobId, mailboxId, side, ct);
        DeviceAuthorizationDto dto;
        try
        {
            var device = await client.BeginDeviceAuthorizationAsync(settings, ct);
            var id = Guid.NewGuid();
            pending.Add(new PendingDevice(id, device, jobId, mailboxId, side, actor));
            dto = new DeviceAuthorizationDto(id, device.UserCode, device.VerificationUri, device.VerificationUriComplete, device.ExpiresAtUtc.UtcDateTime);
        }
        catch (OAuthException ex)
        {
            throw new DomainException(ex.Message);
        }

        return dto;
    }

    /// <summary>Waits (polling at the provider's interval) until the device authorization is approved, refused or expired.</summary>
    /// <exception cref="DomainException">Refused or expired: plain words.</exception>
    public async Task<ConsentOutcome> WaitForDeviceAsync(Guid requestId, CancellationToken ct = default)
    {
        var device = pending.Device(requestId) ?? throw new DomainException("This device sign-in is unknown or over: start it again.");
        var (settings, login) = await ClientForAsync(device.JobId, device.MailboxId, device.Side, ct);
        var outcome = new ConsentOutcome(device.JobId, device.MailboxId, login, device.Side);
        try
        {
            while (true)
            {
                if (clock.GetUtcNow() >= device.Authorization.ExpiresAtUtc)
                {
                    throw new OAuthException("the code was not entered in time");
                }

                OAuthTokens? tokens;
                try
                {
                    tokens = await client.PollDeviceAuthorizationAsync(settings, device.Authorization.DeviceCode, ct);
                }
                catch (OAuthException ex)
                {
                    await RecordFailureAsync(device.JobId, device.MailboxId, device.Side, ex.Message, ct);
                    throw;
                }

                if (tokens is not null)
                {
                    await StoreAsync(outcome, tokens, device.Actor, "device", ct);
                    return outcome;
                }

                await Task.Delay(device.Authorization.Interval, clock, ct);
            }
        }
        catch (OAuthException ex)
        {
            throw new DomainException($"{login}: {ex.Message}. Start the device sign-in again.");
        }
        finally
        {
            pending.RemoveDevice(requestId);
        }
    }

    private async Task<(OAuthClientSettings Settings, string Login)> ClientForAsync(Guid jobId, Guid mailboxId, ImapSide side, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var mailbox = await db.Mailboxes.AsNoTracking().SingleOrDefaultAsync(m => m.Id == mailboxId && m.JobId == jobId, ct)
            ?? throw new NotFoundException("Mailbox", mailboxId);
        var settings = await db.Set<JobOAuthSettings>().AsNoTracking().SingleOrDefaultAsync(s => s.JobId == jobId && s.Side == side, ct)
            ?? throw new DomainException($"Enter the {(side == ImapSide.Source ? "source" : "destination")}'s OAuth 2.0 settings (provider, client id) first.");
        return (settings.ToClient(protector), side == ImapSide.Source ? mailbox.SourceLogin : mailbox.DestinationLogin);
    }

    private async Task StoreAsync(ConsentOutcome outcome, OAuthTokens tokens, string actor, string how, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Set<MailboxOAuthToken>().SingleOrDefaultAsync(t => t.MailboxId == outcome.MailboxId && t.Side == outcome.Side, ct)
            ?? db.Set<MailboxOAuthToken>().Add(new MailboxOAuthToken(outcome.JobId, outcome.MailboxId, outcome.Side)).Entity;
        row.Authorize(protector.Protect(tokens.AccessToken), tokens.RefreshToken is null ? null : protector.Protect(tokens.RefreshToken),
            tokens.ExpiresAtUtc.UtcDateTime, actor, Now);
        audit.Add(db, actor, "oauth.authorized", "mailbox", outcome.MailboxId,
            new { login = outcome.Login, side = outcome.Side == ImapSide.Source ? "source" : "destination", how, renewsItself = tokens.RefreshToken is not null },
            outcome.JobId);
        await db.SaveChangesAsync(ct);
    }

    private async Task RecordFailureAsync(Guid jobId, Guid mailboxId, ImapSide side, string problem, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Set<MailboxOAuthToken>().SingleOrDefaultAsync(t => t.MailboxId == mailboxId && t.Side == side, ct)
            ?? db.Set<MailboxOAuthToken>().Add(new MailboxOAuthToken(jobId, mailboxId, side)).Entity;
        if (row.AccessTokenProtected is not null && !row.Failed)
        {
            return; // a consent that did not complete leaves an earlier, working authorization as it was
        }

        row.Fail(problem);
        await db.SaveChangesAsync(ct);
    }

    private OAuthSettingsDto Dto(JobOAuthSettings s) => new(s.Side, s.Provider, s.Authority, s.ClientId, s.ClientSecretProtected is not null, s.Scopes,
        string.IsNullOrWhiteSpace(s.Scopes) ? OAuthClientSettings.DefaultScopes(s.Provider) : s.Scopes, s.UpdatedAtUtc, s.UpdatedBy);
}
