using System.Globalization;
using System.Security.Claims;
using Ligbox.Console.Uploads;
using Ligbox.Core.Uploads;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Ligbox.Console.Endpoints;

/// <summary>
/// tus 1.0.0 resumable uploads (core + creation, creation-with-upload, termination, expiration, checksum)
/// for the technicians' PST files, on top of <see cref="TusUploadStore"/>.
/// Handlers return <see cref="IResult"/> rather than <c>Results&lt;...&gt;</c>: each has up to ten
/// protocol-defined outcomes, and the tus headers are set on the response either way.
/// </summary>
public static class UploadEndpoints
{
    public const string AdminRole = "admin";

    /// <summary>
    /// Maps OPTIONS/POST on <paramref name="prefix"/> and HEAD/PATCH/DELETE/POST(+X-HTTP-Method-Override)
    /// on <c>{prefix}/{id}</c>, all behind <paramref name="policyName"/>. Needs
    /// <c>services.AddTusUploads(dataDir/uploads)</c>. The owner of an upload is the user's
    /// ClaimTypes.NameIdentifier; other users get 404, users in role "admin" see every upload.
    /// </summary>
    public static RouteGroupBuilder MapTusUploads(
        this IEndpointRouteBuilder app, string policyName, string prefix = "/api/migration/uploads")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(policyName);
        var group = app.MapGroup(prefix)
            .RequireAuthorization(policyName)
            .WithTags("Uploads")
            .AddEndpointFilter(TusProtocolFilter);

        // Bodies can be many GB: lift Kestrel's 30 MB default for the endpoints that take one.
        var unlimitedBody = new DisableRequestSizeLimitAttribute();

        group.MapMethods("", [HttpMethods.Options], Options).WithName("TusUploadOptions").WithSummary("tus capabilities");
        group.MapMethods("/{id}", [HttpMethods.Options], Options).WithName("TusUploadOptionsItem").WithSummary("tus capabilities");
        group.MapPost("", Create).WithMetadata(unlimitedBody).WithName("TusUploadCreate").WithSummary("Create an upload (tus creation)");
        group.MapMethods("/{id}", [HttpMethods.Head], Head).WithName("TusUploadHead").WithSummary("Upload offset and length");
        group.MapPatch("/{id}", Patch).WithMetadata(unlimitedBody).WithName("TusUploadPatch").WithSummary("Append a chunk");
        group.MapDelete("/{id}", Delete).WithName("TusUploadDelete").WithSummary("Terminate an upload");
        group.MapPost("/{id}", MethodOverride).WithMetadata(unlimitedBody).WithName("TusUploadMethodOverride")
            .WithSummary("PATCH, HEAD or DELETE through X-HTTP-Method-Override");
        return group;
    }

    private static async ValueTask<object?> TusProtocolFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        http.Response.Headers[TusHeaders.TusResumable] = TusHeaders.Version;
        http.Response.Headers.AccessControlExposeHeaders = TusHeaders.ExposedHeaders;
        if (!HttpMethods.IsOptions(http.Request.Method)
            && http.Request.Headers[TusHeaders.TusResumable] != TusHeaders.Version)
        {
            http.Response.Headers[TusHeaders.TusVersion] = TusHeaders.Version;
            return Error(http, StatusCodes.Status412PreconditionFailed, "Unsupported tus version",
                $"This server speaks tus {TusHeaders.Version}; send 'Tus-Resumable: {TusHeaders.Version}'.");
        }

        return await next(context);
    }

    private static IResult Options(HttpContext http, TusUploadStore store)
    {
        var headers = http.Response.Headers;
        headers[TusHeaders.TusVersion] = TusHeaders.Version;
        headers[TusHeaders.TusExtension] = TusHeaders.Extensions;
        headers[TusHeaders.TusMaxSize] = store.Options.MaxSize.ToString(CultureInfo.InvariantCulture);
        headers[TusHeaders.TusChecksumAlgorithm] = string.Join(",", UploadChecksum.SupportedAlgorithms);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Create(HttpContext http, TusUploadStore store)
    {
        var request = http.Request;
        if (request.Headers.ContainsKey(TusHeaders.UploadDeferLength))
        {
            return Error(http, StatusCodes.Status400BadRequest, "Deferred length not supported",
                "Send Upload-Length with the size of the file; this server does not offer creation-defer-length.");
        }

        if (!TryParseNonNegative(request.Headers[TusHeaders.UploadLength], out var length))
        {
            return Error(http, StatusCodes.Status400BadRequest, "Missing Upload-Length",
                "Upload-Length must be the file size in bytes (a non-negative integer).");
        }

        if (length > store.Options.MaxSize)
        {
            http.Response.Headers[TusHeaders.TusMaxSize] = store.Options.MaxSize.ToString(CultureInfo.InvariantCulture);
            return Error(http, StatusCodes.Status413PayloadTooLarge, "Upload too large",
                new UploadTooLargeException(length, store.Options.MaxSize).Message);
        }

        if (!TusMetadata.TryParse(request.Headers[TusHeaders.UploadMetadata], out var metadata, out var metadataError))
        {
            return Error(http, StatusCodes.Status400BadRequest, "Invalid Upload-Metadata", metadataError);
        }

        var hasBody = request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        if (hasBody && !IsOffsetContentType(request))
        {
            return Error(http, StatusCodes.Status415UnsupportedMediaType, "Unsupported Content-Type",
                $"Data sent with the creation request must be '{TusHeaders.OffsetContentType}'.");
        }

        UploadChecksum? checksum = null;
        if (hasBody && request.Headers.ContainsKey(TusHeaders.UploadChecksum)
            && !UploadChecksum.TryParse(request.Headers[TusHeaders.UploadChecksum], out checksum, out var checksumError))
        {
            return Error(http, StatusCodes.Status400BadRequest, "Invalid Upload-Checksum", checksumError);
        }

        var ownerId = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (string.IsNullOrEmpty(ownerId))
        {
            return Error(http, StatusCodes.Status403Forbidden, "No user id", "The signed-in user has no NameIdentifier claim.");
        }

        UploadInfo info;
        try
        {
            info = await store.CreateAsync(ownerId, length, metadata, http.RequestAborted);
        }
        catch (InsufficientStorageException ex)
        {
            return Error(http, StatusCodes.Status507InsufficientStorage, "Insufficient storage", ex.Message);
        }
        catch (UploadQuotaExceededException ex)
        {
            return Error(http, StatusCodes.Status507InsufficientStorage, "Upload quota reached", ex.Message);
        }
        catch (UploadTooLargeException ex)
        {
            return Error(http, StatusCodes.Status413PayloadTooLarge, "Upload too large", ex.Message);
        }

        http.Response.Headers.Location = $"{request.PathBase}{request.Path.Value?.TrimEnd('/')}/{info.Id}";
        if (hasBody)
        {
            DisableBodySizeLimit(http);
            try
            {
                info = await store.AppendAsync(info.Id, 0, request.Body, checksum, http.RequestAborted);
            }
            catch (Exception ex) when (IsClientGone(http, ex))
            {
                return Results.Empty;
            }
            catch (Exception ex) when (ex is UploadException or Microsoft.AspNetCore.Http.BadHttpRequestException)
            {
                // The upload exists; answer with what was kept (offset 0 after a checksum mismatch)
                // so the client continues with PATCH from there.
                info = await store.GetAsync(info.Id, CancellationToken.None) ?? info;
            }

            http.Response.Headers[TusHeaders.UploadOffset] = info.Offset.ToString(CultureInfo.InvariantCulture);
        }

        SetExpires(http, info);
        return TypedResults.StatusCode(StatusCodes.Status201Created);
    }

    private static async Task<IResult> Head(HttpContext http, string id, TusUploadStore store, TimeProvider time)
    {
        var (info, error) = await LoadAsync(http, id, store, time);
        if (info is null)
        {
            return error!;
        }

        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers[TusHeaders.UploadOffset] = info.Offset.ToString(CultureInfo.InvariantCulture);
        headers[TusHeaders.UploadLength] = info.Length.ToString(CultureInfo.InvariantCulture);
        if (info.Metadata.Count > 0)
        {
            headers[TusHeaders.UploadMetadata] = TusMetadata.Format(info.Metadata);
        }

        SetExpires(http, info);
        return TypedResults.Ok();
    }

    private static async Task<IResult> Patch(HttpContext http, string id, TusUploadStore store, TimeProvider time)
    {
        var request = http.Request;
        if (!IsOffsetContentType(request))
        {
            return Error(http, StatusCodes.Status415UnsupportedMediaType, "Unsupported Content-Type",
                $"PATCH bodies must be '{TusHeaders.OffsetContentType}'.");
        }

        if (!TryParseNonNegative(request.Headers[TusHeaders.UploadOffset], out var offset))
        {
            return Error(http, StatusCodes.Status400BadRequest, "Missing Upload-Offset",
                "Upload-Offset must be the byte offset this chunk starts at (a non-negative integer).");
        }

        UploadChecksum? checksum = null;
        if (request.Headers.ContainsKey(TusHeaders.UploadChecksum)
            && !UploadChecksum.TryParse(request.Headers[TusHeaders.UploadChecksum], out checksum, out var checksumError))
        {
            return Error(http, StatusCodes.Status400BadRequest, "Invalid Upload-Checksum", checksumError);
        }

        var (info, error) = await LoadAsync(http, id, store, time);
        if (info is null)
        {
            return error!;
        }

        if (offset == info.Offset && request.ContentLength > info.Length - info.Offset)
        {
            return Error(http, StatusCodes.Status413PayloadTooLarge, "Chunk too large",
                $"The chunk would go past Upload-Length {info.Length}.");
        }

        DisableBodySizeLimit(http);
        try
        {
            info = await store.AppendAsync(id, offset, request.Body, checksum, http.RequestAborted);
        }
        catch (Exception ex) when (IsClientGone(http, ex))
        {
            return Results.Empty;
        }
        catch (UploadException ex)
        {
            return StoreError(http, ex);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex)
        {
            // Kestrel rejected the body (too slow, malformed chunking, over a limit); what arrived is kept.
            return Error(http, ex.StatusCode, "Bad request body", ex.Message);
        }
        catch (IOException ex)
        {
            return StorageError(http, store, ex);
        }

        http.Response.Headers[TusHeaders.UploadOffset] = info.Offset.ToString(CultureInfo.InvariantCulture);
        SetExpires(http, info);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Delete(HttpContext http, string id, TusUploadStore store, TimeProvider time)
    {
        var (info, error) = await LoadAsync(http, id, store, time, allowExpired: true);
        if (info is null)
        {
            return error!;
        }

        try
        {
            await store.DeleteAsync(id, http.RequestAborted);
        }
        catch (UploadException ex)
        {
            return StoreError(http, ex);
        }

        return TypedResults.NoContent();
    }

    private static Task<IResult> MethodOverride(HttpContext http, string id, TusUploadStore store, TimeProvider time)
    {
        // For clients behind proxies that only pass GET and POST (tus-js-client overridePatchMethod).
        var method = http.Request.Headers[TusHeaders.MethodOverride].ToString().Trim().ToUpperInvariant();
        return method switch
        {
            "PATCH" => Patch(http, id, store, time),
            "DELETE" => Delete(http, id, store, time),
            "HEAD" => Head(http, id, store, time),
            _ => Task.FromResult(Error(http, StatusCodes.Status405MethodNotAllowed, "Method not allowed",
                "POST to an upload needs X-HTTP-Method-Override: PATCH, HEAD or DELETE.")),
        };
    }

    private static async Task<(UploadInfo? Info, IResult? Error)> LoadAsync(
        HttpContext http, string id, TusUploadStore store, TimeProvider time, bool allowExpired = false)
    {
        var info = await store.GetAsync(id, http.RequestAborted);

        // Someone else's upload is indistinguishable from a missing one.
        if (info is null || !CanAccess(http.User, info))
        {
            return (null, Error(http, StatusCodes.Status404NotFound, "Upload not found", $"There is no upload '{id}'."));
        }

        if (!allowExpired && info.IsExpired(time.GetUtcNow()))
        {
            return (null, Error(http, StatusCodes.Status410Gone, "Upload expired",
                "This unfinished upload has expired and will be removed; start the upload again."));
        }

        return (info, null);
    }

    private static bool CanAccess(ClaimsPrincipal user, UploadInfo info) =>
        user.IsInRole(AdminRole) || info.OwnerId == user.FindFirstValue(ClaimTypes.NameIdentifier);

    private static IResult StoreError(HttpContext http, UploadException ex)
    {
        var (status, title) = ex switch
        {
            UploadNotFoundException => (StatusCodes.Status404NotFound, "Upload not found"),
            UploadExpiredException => (StatusCodes.Status410Gone, "Upload expired"),
            UploadOffsetMismatchException => (StatusCodes.Status409Conflict, "Offset mismatch"),
            UploadLockedException => (StatusCodes.Status423Locked, "Upload busy"),
            UploadChecksumMismatchException => (TusHeaders.ChecksumMismatchStatus, "Checksum mismatch"),
            UploadLengthExceededException or UploadTooLargeException => (StatusCodes.Status413PayloadTooLarge, "Too large"),
            InsufficientStorageException => (StatusCodes.Status507InsufficientStorage, "Insufficient storage"),
            UploadQuotaExceededException => (StatusCodes.Status507InsufficientStorage, "Upload quota reached"),
            _ => (StatusCodes.Status400BadRequest, "Upload error"),
        };
        return Error(http, status, title, ex.Message);
    }

    private static IResult StorageError(HttpContext http, TusUploadStore store, IOException ex)
    {
        // The message may name server paths; log it, tell the client only what it can act on.
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(UploadEndpoints))
            .LogError(ex, "Writing an upload failed");
        var free = store.FreeSpace();
        return free < store.Options.MinFreeDiskBytes
            ? Error(http, StatusCodes.Status507InsufficientStorage, "Insufficient storage",
                "The server ran out of disk space while storing the chunk; the bytes before it are kept.")
            : Error(http, StatusCodes.Status500InternalServerError, "Storage error", "The server could not store the chunk.");
    }

    private static IResult Error(HttpContext http, int status, string title, string? detail) =>
        HttpMethods.IsHead(http.Request.Method)
            ? TypedResults.StatusCode(status)
            : TypedResults.Problem(detail, statusCode: status, title: title);

    private static void SetExpires(HttpContext http, UploadInfo info)
    {
        if (!info.IsCompleted)
        {
            http.Response.Headers[TusHeaders.UploadExpires] = info.ExpiresAt.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);
        }
    }

    private static void DisableBodySizeLimit(HttpContext http)
    {
        // Belt and braces with the endpoint metadata, for servers that don't apply it.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = null;
        }
    }

    private static bool IsOffsetContentType(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
        && mediaType.MediaType.Equals(TusHeaders.OffsetContentType, StringComparison.OrdinalIgnoreCase);

    private static bool TryParseNonNegative(string? value, out long result) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result);

    // A client that disconnects mid-body surfaces as a cancelled read, a reset connection or an
    // "unexpected end of request content"; the store has already kept what arrived.
    private static bool IsClientGone(HttpContext http, Exception ex) =>
        http.RequestAborted.IsCancellationRequested
        || ex is ConnectionResetException
        || (ex is Microsoft.AspNetCore.Http.BadHttpRequestException bad && bad.Message.Contains("Unexpected end of request content", StringComparison.Ordinal));
}
