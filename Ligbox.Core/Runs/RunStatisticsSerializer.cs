using System.Text.Json;
using System.Text.Json.Serialization;
using Ligbox.Core.Pst;
using Ligbox.Tools.Statistics;

namespace Ligbox.Core.Runs;

/// <summary>
/// The one way run statistics are written and read: a sync pass stores one <see cref="SyncStatistics"/> per
/// mailbox on its <see cref="RunMailbox.ResultJson"/>, a PST/mbox import one <see cref="PstImportStatistics"/>
/// on its <see cref="Run.StatisticsJson"/>. The run executor writes with it and the gate reads with it, so
/// the two cannot drift apart.
/// </summary>
public static class RunStatisticsSerializer
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static string Write(SyncStatistics statistics) => JsonSerializer.Serialize(statistics, Options);

    /// <summary>The statistics of one mailbox's pass; <c>null</c> when there are none or they are not statistics.</summary>
    public static SyncStatistics? ReadSync(string? json) => Read<SyncStatistics>(json);

    public static string WriteImport(PstImportStatistics statistics) => JsonSerializer.Serialize(statistics, Options);

    /// <summary>The statistics of a PST/mbox import run; <c>null</c> when there are none.</summary>
    public static PstImportStatistics? ReadImport(string? json) => Read<PstImportStatistics>(json);

    private static T? Read<T>(string? json) where T : class
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(json, Options);
        }
        catch (JsonException)
        {
            // Written by another version in a shape this one does not know: the mailbox counts still decide.
            return null;
        }
    }
}
