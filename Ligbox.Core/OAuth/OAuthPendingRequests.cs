using System.Collections.Concurrent;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Core.OAuth;

/// <summary>
/// Consents under way, kept in this process only (never in the database): the PKCE verifier and who started each, by
/// its <c>state</c>, for at most <see cref="Lifetime"/>; device authorizations by their request id. A console restart
/// forgets them (the technician presses Authorize again).
/// </summary>
public sealed class OAuthPendingRequests(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<string, PendingConsent> _consents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, PendingDevice> _devices = new();

    internal void Add(PendingConsent consent)
    {
        Sweep();
        _consents[consent.State] = consent;
    }

    /// <summary>Takes the consent with this state (once: a replayed callback finds nothing).</summary>
    internal PendingConsent? Take(string state) =>
        _consents.TryRemove(state, out var c) && c.ExpiresAtUtc > clock.GetUtcNow() ? c : null;

    internal void Add(PendingDevice device)
    {
        Sweep();
        _devices[device.RequestId] = device;
    }

    internal PendingDevice? Device(Guid requestId) => _devices.TryGetValue(requestId, out var d) ? d : null;

    internal void RemoveDevice(Guid requestId) => _devices.TryRemove(requestId, out _);

    private void Sweep()
    {
        var now = clock.GetUtcNow();
        foreach (var (key, c) in _consents)
        {
            if (c.ExpiresAtUtc <= now)
            {
                _consents.TryRemove(key, out _);
            }
        }

        foreach (var (key, d) in _devices)
        {
            if (d.Authorization.ExpiresAtUtc <= now)
            {
                _devices.TryRemove(key, out _);
            }
        }
    }
}

/// <summary>A consent under way; <c>UserKey</c> is who started it (the signed-in user's id): only they can finish it.</summary>
internal sealed record PendingConsent(string State, string CodeVerifier, string RedirectUri, Guid JobId, Guid MailboxId, ImapSide Side, string UserKey,
    DateTimeOffset ExpiresAtUtc);

internal sealed record PendingDevice(Guid RequestId, OAuthDeviceAuthorization Authorization, Guid JobId, Guid MailboxId, ImapSide Side, string Actor);
