using Ligbox.Core;
using Microsoft.AspNetCore.Diagnostics;

namespace Ligbox.Console.Endpoints;

/// <summary>
/// Turns the domain's exceptions into RFC 7807 problem details, so handlers stay free of
/// try/catch and every error the API gives has the same shape.
/// </summary>
internal sealed class DomainExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, errors) = exception switch
        {
            ValidationFailedException v => (StatusCodes.Status400BadRequest, "The request has invalid fields.", v.Errors),
            NotFoundException => (StatusCodes.Status404NotFound, "Not found.", null),
            ForbiddenException => (StatusCodes.Status403Forbidden, "Forbidden.", null),
            DomainException => (StatusCodes.Status409Conflict, "The request conflicts with the current state.", null),
            BadHttpRequestException b => (b.StatusCode, "The request could not be read.", null),
            _ => (0, "", null),
        };
        if (status == 0)
        {
            return false;
        }

        context.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = exception is ValidationFailedException ? "Correct the fields listed in 'errors' and send the request again." : exception.Message,
        };
        if (exception is Core.Gate.GateRefusedException { Reasons.Count: > 0 } refused)
        {
            problem.Extensions["reasons"] = refused.Reasons;
        }

        if (errors is not null)
        {
            problem.Extensions["errors"] = errors.ToDictionary(e => e.Key, e => e.Value);
        }

        return await problems.TryWriteAsync(new() { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }
}
