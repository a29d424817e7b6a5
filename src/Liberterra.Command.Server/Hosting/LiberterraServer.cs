using System.Net;
using Liberterra.Command.Grains;
using Liberterra.Command.Server.Api;
using Liberterra.Command.Storage;
using Microsoft.AspNetCore.Http.Json;
using Orleans.Configuration;

namespace Liberterra.Command.Server.Hosting;

/// <summary>Builds the whole server: HTTP API and the co-hosted Orleans silo. Tests build it the same way.</summary>
public static class LiberterraServer
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddLiberterraSilo();
        builder.AddLiberterraApi();

        var app = builder.Build();
        app.UseLiberterraApi();
        return app;
    }

    public static void AddLiberterraSilo(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            silo.UseLocalhostClustering(
                options.SiloPort,
                options.GatewayPort,
                options.PrimarySiloPort is { } primary ? new IPEndPoint(IPAddress.Loopback, primary) : null,
                options.ServiceId,
                options.ClusterId);
            silo.AddLiberterraGrains();
        });

        switch (options.Storage)
        {
            case StorageKind.Memory:
                builder.Services.AddSingleton<ITimelineStore, InMemoryTimelineStore>();
                builder.Services.AddHostedService<InMemoryStorageWarning>();
                break;
            default:
                throw new InvalidOperationException(
                    $"Unknown storage '{options.Storage}' in {SiloOptions.Section}:Storage. Use Memory.");
        }
    }

    public static void AddLiberterraApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddOpenApi();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.AllowTrailingCommas = false;
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = RequestLimits.DefaultMaxBodyBytes);
    }

    public static void UseLiberterraApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseMiddleware<RequestLimits>();
        app.MapOpenApi();
        app.MapOperationsApi();
        app.MapReportsApi();
    }
}

/// <summary>The <c>Silo</c> configuration section: cluster identity, ports and storage.</summary>
public sealed class SiloOptions
{
    public const string Section = "Silo";

    public string ClusterId { get; set; } = "liberterra-dev";
    public string ServiceId { get; set; } = "liberterra-command";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    /// <summary>Port of the first silo when several run on one machine with localhost clustering.</summary>
    public int? PrimarySiloPort { get; set; }
    public StorageKind Storage { get; set; } = StorageKind.Memory;
}

public enum StorageKind
{
    Memory,
}

/// <summary>Says loudly, at start-up, that nothing will survive a restart.</summary>
internal sealed partial class InMemoryStorageWarning(ILogger<InMemoryStorageWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogWarning();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "STORAGE IS IN MEMORY: every report is lost when this process stops, and silos in other processes do not " +
        "share it. Use this for quick experiments only.")]
    private partial void LogWarning();
}
