using Ligbox.Core.Mailboxes;
using Ligbox.Core.Pst;
using Ligbox.Core.Runs;
using Ligbox.Tools.Zimbra;

namespace Ligbox.Core.Zimbra;

/// <summary>Where a TGZ run reads its archive from.</summary>
/// <param name="Description">A log line saying so.</param>
/// <param name="Length">The size when known.</param>
/// <param name="OpenAsync">Opens the bytes.</param>
public sealed record ZimbraSource(string Description, long? Length, Func<CancellationToken, Task<Stream>> OpenAsync);

/// <summary>Opens the source of a TGZ run: the uploaded file, or <c>zmmailbox</c> over SSH (the job's Zimbra server).</summary>
public class ZimbraSources(ZimbraSshStore ssh, ZimbraSshExporter exporter)
{
    /// <summary>The source of <paramref name="parameters"/>' run.</summary>
    /// <exception cref="PstImportException">The uploaded file is gone.</exception>
    public virtual ZimbraSource Open(RunExecution run, Mailbox mailbox, ZimbraRunParameters parameters)
    {
        if (parameters.Account is { } account)
        {
            var target = ssh.Target(run.Job.Id) ?? throw new PstImportException("This job has no Zimbra server over SSH any more: set it again in the job's Zimbra settings.");
            var query = parameters.Query is null ? "" : $", query {parameters.Query}";
            return new ZimbraSource($"Exporting {account} from {target} over SSH (zmmailbox getRestURL \"//?fmt=tgz\"{query}).", null,
                ct => exporter.OpenExportAsync(target, account, parameters.Query, ct));
        }

        if (parameters.SourcePath is not { } path)
        {
            throw new PstImportException("This run has no uploaded file to read.");
        }

        if (!File.Exists(path))
        {
            throw new PstImportException($"The file '{parameters.SourceName}' is not there any more (upload expired or deleted); upload it again.");
        }

        var length = new FileInfo(path).Length;
        return new ZimbraSource($"Reading the Zimbra export {parameters.SourceName} ({length / 1048576.0:N1} MiB).", length,
            _ => Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 128 * 1024, useAsync: true)));
    }
}
