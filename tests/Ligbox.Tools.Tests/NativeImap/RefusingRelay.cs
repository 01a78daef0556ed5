using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// A TCP relay to a local IMAP port that answers the first <paramref name="refusals"/> SELECTs or EXAMINEs of one folder
/// itself, with NO "Mailbox already exists", as Dovecot 2.3 answers one of two connections that open a new account's
/// auto-created folders at once. Every other command and answer passes through.
/// </summary>
internal sealed partial class RefusingRelay(int target, string folder, int refusals) : TcpRelay(target)
{
    private readonly Lock _lock = new();
    private int _refusalsLeft = refusals;

    /// <summary>How many SELECTs or EXAMINEs of the folder were answered NO by the relay.</summary>
    public int Refused { get; private set; }

    protected override IEnumerable<Task> Pumps(TcpClient client, TcpClient server)
    {
        // The relay's own answers and the server's go to the client one at a time.
        var toClient = new SemaphoreSlim(1, 1);
        return [PumpAsync(client, server, (input, output) => CommandsAsync(input, output, toClient)), PumpAsync(server, client, (input, output) => AnswersAsync(input, output, toClient))];
    }

    /// <summary>Forwards the client's commands, keeping back the refused ones.</summary>
    private Task CommandsAsync(NetworkStream input, NetworkStream output, SemaphoreSlim toClient) => ReadLinesAsync(input, async line =>
    {
        if (Refuse(line) is not { } tag)
        {
            await output.WriteAsync(line, Stopping);
            return true;
        }

        await toClient.WaitAsync(Stopping);
        try
        {
            await input.WriteAsync(Encoding.ASCII.GetBytes($"{tag} NO [ALREADYEXISTS] Mailbox already exists (0.001 + 0.000 secs).\r\n"), Stopping);
        }
        finally
        {
            toClient.Release();
        }

        return true;
    });

    private async Task AnswersAsync(NetworkStream input, NetworkStream output, SemaphoreSlim toClient)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await input.ReadAsync(buffer, Stopping)) > 0)
        {
            await toClient.WaitAsync(Stopping);
            try
            {
                await output.WriteAsync(buffer.AsMemory(0, read), Stopping);
            }
            finally
            {
                toClient.Release();
            }
        }
    }

    /// <summary>The command's tag when it is a SELECT or EXAMINE of the folder still to be refused.</summary>
    private string? Refuse(byte[] line)
    {
        var match = OpenCommand().Match(Encoding.UTF8.GetString(line));
        if (!match.Success || match.Groups["folder"].Value != folder)
        {
            return null;
        }

        lock (_lock)
        {
            if (_refusalsLeft == 0)
            {
                return null;
            }

            _refusalsLeft--;
            Refused++;
        }

        return match.Groups["tag"].Value;
    }

    [GeneratedRegex(@"^(?<tag>\S+) (?:SELECT|EXAMINE) ""?(?<folder>[^""\s]+)""?(?: \(.*\))?\r?\n$", RegexOptions.IgnoreCase)]
    private static partial Regex OpenCommand();
}
