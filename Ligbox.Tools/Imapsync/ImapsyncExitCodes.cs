namespace Ligbox.Tools.Imapsync;

/// <summary>What an imapsync exit code means.</summary>
/// <param name="Code">The exit code.</param>
/// <param name="Name">imapsync's own name for it, e.g. <c>EXIT_OVERQUOTA</c>.</param>
/// <param name="Meaning">Plain words a technician can act on.</param>
public sealed record ImapsyncExit(int Code, string Name, string Meaning)
{
    /// <summary><c>true</c> for exit code 0.</summary>
    public bool IsSuccess => Code == 0;
}

/// <summary>The exit codes of imapsync 2.x and what to do about each.</summary>
public static class ImapsyncExitCodes
{
    private static readonly Dictionary<int, ImapsyncExit> Known = new[]
    {
        new ImapsyncExit(0, "EX_OK", "The sync finished successfully."),
        new ImapsyncExit(6, "EXIT_BY_SIGNAL", "imapsync was stopped by a signal (cancelled or killed); the sync is incomplete and can be run again."),
        new ImapsyncExit(12, "EXIT_TLS_FAILURE", "STARTTLS failed (the server's certificate was refused, or the server does not offer STARTTLS); check the TLS setting and the certificate."),
        new ImapsyncExit(64, "EX_USAGE", "imapsync rejected its command line (usage error); check the job's options and extra arguments."),
        new ImapsyncExit(101, "EXIT_CONNECTION_FAILURE_HOST1", "Could not connect to the source server (host1); check its host name, port, SSL/TLS setting and firewall."),
        new ImapsyncExit(102, "EXIT_CONNECTION_FAILURE_HOST2", "Could not connect to the destination server (host2); check its host name, port, SSL/TLS setting and firewall."),
        new ImapsyncExit(111, "EXIT_WITH_ERRORS", "The sync finished but some messages or folders had errors; read the error list in the log and run it again."),
        new ImapsyncExit(112, "EXIT_WITH_ERRORS_MAX", "The sync stopped because it reached the maximum number of errors (--errorsmax); fix the most frequent error in the log and run it again."),
        new ImapsyncExit(113, "EXIT_OVERQUOTA", "The destination mailbox is full (over quota); free space or raise the quota on the destination, then run the sync again."),
        new ImapsyncExit(114, "EXIT_ERR_APPEND", "Messages could not be written to the destination (APPEND failed); check the destination server's log and limits."),
        new ImapsyncExit(115, "EXIT_ERR_FETCH", "Messages could not be read from the source (FETCH failed); check the source server and its log."),
        new ImapsyncExit(116, "EXIT_ERR_CREATE", "A folder could not be created on the destination; check folder names, separators and permissions."),
        new ImapsyncExit(117, "EXIT_ERR_SELECT", "A folder could not be opened (SELECT failed); check that it exists and the user may read it."),
        new ImapsyncExit(118, "EXIT_TRANSFER_EXCEEDED", "The transfer limit was reached (e.g. a provider's daily bandwidth cap or --exitwhenover); run it again later to continue."),
        new ImapsyncExit(161, "EXIT_AUTHENTICATION_FAILURE_USER1", "Login to the source server (user1) failed; check the source user name and password."),
        new ImapsyncExit(162, "EXIT_AUTHENTICATION_FAILURE_USER2", "Login to the destination server (user2) failed; check the destination user name and password."),
    }.ToDictionary(exit => exit.Code);

    /// <summary>Describes <paramref name="code"/>; unknown codes get a generic description.</summary>
    public static ImapsyncExit Describe(int code) =>
        Known.TryGetValue(code, out var exit)
            ? exit
            : new ImapsyncExit(code, "UNKNOWN", $"imapsync exited with an unexpected code {code}; read the end of the log for the reason.");
}
