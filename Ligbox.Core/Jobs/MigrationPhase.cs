namespace Ligbox.Core.Jobs;

public enum MigrationPhase
{
    Draft,
    Preflight,
    Syncing,
    FinalSync,
    GateReady,
    GateApproved,
    Completed,
    Cancelled,
    Failed,
}

public enum ImapSecurityMode
{
    None,
    StartTls,
    Ssl,
}

public enum ImapAuthMode
{
    Plain,
    Login,
    XOAuth2,
}

/// <summary>How a job's admin credential logs in as each mailbox's user.</summary>
public enum AdminLoginMode
{
    /// <summary>Dovecot/mailcow master user: the login <c>user*admin</c> with the admin's password.</summary>
    MasterUser,

    /// <summary>SASL PLAIN with the user as authorization identity (imapsync's <c>--authuser</c>).</summary>
    ProxyAuth,
}

public enum SyncEngineKind
{
    Native,
    Imapsync,

    /// <summary>Dovecot's doveadm (imapc) into the destination account, when the destination is this host's Dovecot.</summary>
    Doveadm,
}
