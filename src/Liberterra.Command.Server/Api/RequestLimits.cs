using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Liberterra.Command.Server.Api;

/// <summary>
/// Applies each endpoint's body size limit (its <see cref="IRequestSizeLimitMetadata"/>) before the body is read,
/// so an oversized report is refused with 413 without being buffered.
/// </summary>
internal sealed class RequestLimits(RequestDelegate next)
{
    public const long DefaultMaxBodyBytes = 64 * 1024;

    private const string LimitItem = "liberterra.body-limit";

    /// <summary>The limit applied to this request (kept in the request's items: the error path has no endpoint).</summary>
    public static long LimitFor(HttpContext context) =>
        context.Items[LimitItem] as long? ?? DefaultMaxBodyBytes;

    public Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize
            ?? DefaultMaxBodyBytes;
        context.Items[LimitItem] = limit;
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = limit;
        if (context.Request.ContentLength > limit)
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        return next(context);
    }
}

/// <summary>Endpoint metadata for a body size limit.</summary>
internal sealed class BodySizeLimit(long bytes) : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize { get; } = bytes;
}
