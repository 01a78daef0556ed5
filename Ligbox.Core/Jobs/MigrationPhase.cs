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

public enum SyncEngineKind
{
    Native,
    Imapsync,

    /// <summary>Dovecot's doveadm (imapc) into the destination account, when the destination is this host's Dovecot.</summary>
    Doveadm,
}
