using Ligbox.Console.Auth;
using Ligbox.Core.Reports;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ligbox.Console.Endpoints;

public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/migration/jobs/{id:guid}").RequireAuthorization().WithTags("Reports");
        jobs.MapGet("/report", GetReport).RequireAuthorization(Policies.JobsRead).WithName("GetJobReport")
            .WithSummary("The job's report (schema docs/report.schema.json, version in schemaVersion); ?format=pdf for the PDF of the same data.")
            .Produces<JobReport>(contentType: "application/json").Produces(StatusCodes.Status200OK, contentType: "application/pdf");
        jobs.MapGet("/report.pdf", GetReportPdf).RequireAuthorization(Policies.JobsRead).WithName("GetJobReportPdf")
            .WithSummary("The job's report as a PDF (summary first, then every mailbox, folder, import, run and gate decision).");
        return app;
    }

    private static async Task<Results<Ok<JobReport>, FileContentHttpResult, ProblemHttpResult>> GetReport(Guid id, string? format, JobReportService reports,
        CancellationToken ct)
    {
        switch (format?.Trim().ToLowerInvariant())
        {
            case null or "" or "json":
                return TypedResults.Ok(await reports.BuildAsync(id, ct));
            case "pdf":
                return await PdfAsync(id, reports, ct);
            default:
                return TypedResults.Problem($"Unknown report format '{format}': use json (the default) or pdf.", statusCode: StatusCodes.Status400BadRequest,
                    title: "The request has invalid fields.");
        }
    }

    private static Task<FileContentHttpResult> GetReportPdf(Guid id, JobReportService reports, CancellationToken ct) => PdfAsync(id, reports, ct);

    private static async Task<FileContentHttpResult> PdfAsync(Guid id, JobReportService reports, CancellationToken ct)
    {
        // The PDF in the job's language (issue 16); the JSON stays English.
        var report = await reports.BuildInJobLanguageAsync(id, ct);
        var bytes = await Task.Run(() => JobReportPdf.Render(report), ct);
        return TypedResults.File(bytes, "application/pdf", JobReportPdf.FileName(report));
    }
}
