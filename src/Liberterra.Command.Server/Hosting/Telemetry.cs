using Liberterra.Command.Server.Observability;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Liberterra.Command.Server.Hosting;

/// <summary>
/// OpenTelemetry metrics and traces: Orleans (meter <c>Microsoft.Orleans</c>, activity sources with propagation
/// through grain calls), ASP.NET Core, SignalR, Npgsql, the runtime, and the product's own <see cref="LiberterraMetrics"/>.
/// On when the standard variables say where to export over OTLP (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, and optionally
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c>,
/// <c>OTEL_METRIC_EXPORT_INTERVAL</c>); off without them.
/// </summary>
public static class Telemetry
{
    /// <summary>Whether an OTLP collector is configured (the standard variable).</summary>
    public static bool IsExporting(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    public static void AddLiberterraTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LiberterraMetrics>();
        // Without a collector to send to, nothing is collected: instrumenting every request and query for nobody
        // costs CPU and memory on the report path.
        if (!IsExporting(builder.Configuration)) return;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("liberterra-command", serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(m => m
                .AddMeter(LiberterraMetrics.MeterName, "Microsoft.Orleans", "Microsoft.AspNetCore.Http.Connections", "Microsoft.AspNetCore.SignalR")
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation())
            .WithTracing(t => t
                // The query string is redacted by the instrumentation (browsers put SignalR's access_token there).
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health"))
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Microsoft.AspNetCore.SignalR.Server")
                .AddNpgsql())
            .UseOtlpExporter();
    }
}
