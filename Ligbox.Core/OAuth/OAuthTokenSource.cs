using Ligbox.Core.Persistence;
using Ligbox.Core.Security;
using Ligbox.Tools.NativeImap;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.OAuth;

/// <summary>
/// Access tokens for runs: the stored one while it is fresh, otherwise a new one from the refresh token (before it
/// expires: within half its lifetime, at most <see cref="MaxRefreshMargin"/>, of its end; and when a login refused it).
/// A refused refresh forgets the tokens and says, in plain words, that the mailbox must be authorized again.
/// </summary>
public sealed class OAuthTokenSource(IDbContextFactory<LigboxDbContext> dbFactory, SecretProtector protector, OAuthClient client, TimeProvider clock)
{
    /// <summary>The longest time before its end that an access token is renewed.</summary>
    public static readonly TimeSpan MaxRefreshMargin = TimeSpan.FromMinutes(5);

    /// <summary>A usable access token for the mailbox's side, and whether it was just refreshed.</summary>
    /// <remarks><c>forceRefresh</c>: the server refused the current token, get a new one even if it looks fresh.</remarks>
    /// <exception cref="OAuthAuthorizationMissingException">No consent, or it was revoked or has expired: plain words, re-authorize.</exception>
    public async Task<(string AccessToken, bool Refreshed)> AccessTokenAsync(Guid mailboxId, ImapSide side, string login, bool forceRefresh, CancellationToken ct)
    {
        var sideName = side == ImapSide.Source ? "source" : "destination";
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var row = await db.Set<MailboxOAuthToken>().SingleOrDefaultAsync(t => t.MailboxId == mailboxId && t.Side == side, ct);
            var now = clock.GetUtcNow().UtcDateTime;
            if (row is null || row.AccessTokenProtected is null)
            {
                throw new OAuthAuthorizationMissingException(row?.Problem is { } problem
                    ? $"{login} is not authorized on the {sideName} ({problem}): open the job page and press Authorize for this mailbox again."
                    : $"{login} is not authorized on the {sideName} yet: open the job page and press Authorize for this mailbox (OAuth 2.0 consent).");
            }

            var lifetime = (row.ExpiresAtUtc - row.IssuedAtUtc) ?? TimeSpan.Zero;
            var margin = TimeSpan.FromTicks(Math.Min(MaxRefreshMargin.Ticks, lifetime.Ticks / 2));
            var fresh = row.ExpiresAtUtc - now > margin;
            if (fresh && !forceRefresh)
            {
                return (protector.Unprotect(row.AccessTokenProtected), false);
            }

            if (row.RefreshTokenProtected is null)
            {
                if (!forceRefresh && row.ExpiresAtUtc > now)
                {
                    return (protector.Unprotect(row.AccessTokenProtected), false);
                }

                throw new OAuthAuthorizationMissingException(
                    $"{login}'s OAuth 2.0 access on the {sideName} has expired and the provider gave no refresh token: press Authorize for this mailbox again.");
            }

            var settings = await db.Set<JobOAuthSettings>().AsNoTracking().SingleOrDefaultAsync(s => s.JobId == row.JobId && s.Side == side, ct)
                ?? throw new OAuthAuthorizationMissingException($"The job has no OAuth 2.0 settings for the {sideName} any more: enter them and authorize {login} again.");
            OAuthTokens tokens;
            try
            {
                tokens = await client.RefreshAsync(settings.ToClient(protector), protector.Unprotect(row.RefreshTokenProtected), ct);
            }
            catch (OAuthConsentRevokedException)
            {
                var problem = "the provider refused to renew the access: the permission was revoked or has expired";
                row.Fail(problem);
                if (await TrySaveAsync(db, ct))
                {
                    throw new OAuthAuthorizationMissingException(
                        $"{login} must be authorized again on the {sideName}: {problem}. Open the job page and press Authorize for this mailbox, then run again.");
                }

                continue; // someone authorized it meanwhile: use theirs
            }
            catch (OAuthException ex)
            {
                throw new DomainException($"{login}: {ex.Message} (the {sideName}'s OAuth 2.0 provider); the next run tries again.");
            }

            row.Refreshed(protector.Protect(tokens.AccessToken), tokens.RefreshToken is null ? null : protector.Protect(tokens.RefreshToken),
                tokens.ExpiresAtUtc.UtcDateTime, now);
            if (await TrySaveAsync(db, ct))
            {
                return (tokens.AccessToken, true);
            }

            if (attempt >= 2)
            {
                return (tokens.AccessToken, true);
            }

            forceRefresh = false; // another writer stored new tokens meanwhile: read them
        }
    }

    private static async Task<bool> TrySaveAsync(LigboxDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            return false;
        }
    }
}
