using System.Globalization;
using Ligbox.Core;
using Ligbox.Core.Localization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Localization;

namespace Ligbox.Console.Endpoints;

/// <summary>
/// Turns the domain's exceptions into RFC 7807 problem details, so handlers stay free of
/// try/catch and every error the API gives has the same shape. The <c>detail</c> is in the request's language
/// (Accept-Language, the profile); <c>type</c> and <c>title</c> stay English: they are what clients match on.
/// </summary>
internal sealed class DomainExceptionHandler(IProblemDetailsService problems, IStringLocalizer<ApiText> L) : IExceptionHandler
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

        // The exception handler runs outside the localization middleware (which has restored the culture by now):
        // the request's culture is on its feature.
        if (context.Features.Get<IRequestCultureFeature>()?.RequestCulture is { } requested)
        {
            CultureInfo.CurrentCulture = requested.Culture;
            CultureInfo.CurrentUICulture = requested.UICulture;
        }

        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = exception switch
            {
                ValidationFailedException => L["Correct the fields listed in 'errors' and send the request again."],
                BadHttpRequestException => exception.Message,
                _ => CoreText.Describe(exception),
            },
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
