using System.Net;
using Liberterra.Command.Contracts;
using Liberterra.Command.Grains;
using Liberterra.Command.Server.Api;
using Liberterra.Command.Server.Live;
using Liberterra.Command.Server.Observability;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Server.Tak;
using Liberterra.Command.Storage;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.Dashboard;

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
        builder.Services.Configure<OperationGrainOptions>(builder.Configuration.GetSection(SiloOptions.Section));
        var connectionString = builder.Configuration.GetConnectionString(SiloOptions.ConnectionStringName);
        if (options.Storage == StorageKind.PostgreSQL)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
                throw new InvalidOperationException(
                    $"Storage is PostgreSQL but ConnectionStrings:{SiloOptions.ConnectionStringName} is not set " +
                    $"(environment ConnectionStrings__{SiloOptions.ConnectionStringName}). Set it, or Silo:Storage=Memory for a quick experiment.");
            var db = PostgresTimelineStore.CreateDataSource(connectionString);
            // Orleans' providers read their queries once at start-up: stop here, clearly, if the schema is not ready.
            SchemaCheck.EnsureReadyAsync(db).GetAwaiter().GetResult();
            builder.Services.AddSingleton(db);
            AddTimeline<PostgresTimelineStore>(builder.Services);
            builder.Services.AddSingleton<AuditLog>();
            builder.Services.AddSingleton<ITakDevices, PostgresTakDevices>();
            // The push path's backstop: PostgreSQL's notice of each commit, whichever silo wrote it (TimelineNotices).
            builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<TimelineNotices>(sp, connectionString));
        }
        else
        {
            AddTimeline<InMemoryTimelineStore>(builder.Services);
            builder.Services.AddSingleton<ITakDevices, InMemoryTakDevices>();
            builder.Services.AddHostedService<InMemoryStorageWarning>();
        }

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            silo.AddLiberterraGrains();
            // Trace context across grain calls is only worth its cost when traces are exported.
            if (Telemetry.IsExporting(builder.Configuration)) silo.AddActivityPropagation();
            if (options.Dashboard) silo.AddDashboard();
            // A check-in reminder shorter than Orleans' one-minute floor is allowed when configured (drills, tests).
            var reminder = builder.Configuration.GetSection(SiloOptions.Section).GetValue<TimeSpan?>(nameof(OperationGrainOptions.CheckInReminder));
            if (reminder is { } period && period < TimeSpan.FromMinutes(1))
                silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = period);
            silo.Configure<ClusterMembershipOptions>(o => FailureDetection.Apply(o, builder.Configuration.GetSection(FailureDetection.Section)));
            if (options.Storage == StorageKind.PostgreSQL)
            {
                silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort);
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = connectionString;
                });
                silo.AddAdoNetGrainStorage(OperationGrainOptions.StorageName, o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = connectionString;
                    o.GrainStorageSerializer = new SnapshotSerializer();
                });
                silo.UseAdoNetReminderService(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = connectionString;
                });
                // In Kubernetes: cluster and service ids, silo name and endpoints from the pod (ORLEANS_* and POD_*
                // variables), and silos whose pods are gone are declared dead at once. Membership stays in PostgreSQL.
                if (options.Kubernetes) silo.UseKubernetesHosting();
            }
            else
            {
                silo.UseLocalhostClustering(
                    options.SiloPort,
                    options.GatewayPort,
                    options.PrimarySiloPort is { } primary ? new IPEndPoint(IPAddress.Loopback, primary) : null,
                    options.ServiceId,
                    options.ClusterId);
                silo.AddMemoryGrainStorage(OperationGrainOptions.StorageName);
                silo.UseInMemoryReminderService();
            }
        });
    }

    /// <summary>One timeline store, seen by the operation grain as its writer and by the read side as its reader.</summary>
    private static void AddTimeline<TStore>(IServiceCollection services) where TStore : class, ITimelineWriter, ITimelineReader
    {
        services.AddSingleton<TStore>();
        services.AddSingleton<ITimelineWriter>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<ITimelineReader>(sp => sp.GetRequiredService<TStore>());
    }

    public static void AddLiberterraApi(this WebApplicationBuilder builder)
    {
        // ASP.NET Core logs every request's full URL here, query string included; browsers put SignalR's
        // access_token in the query string. Nothing in this category may reach the logs.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddLiberterraSecurity();
        builder.AddLiberterraTelemetry();
        builder.Services.AddSingleton<AuditTrail>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditTrail>());
        // Every ProblemDetails, the framework's own too (401, 404, 405 from status code pages), carries a stable code.
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.Complete);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IConfiguration>().GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions());
        builder.Services.AddSingleton<HubAccessFilter>();
        builder.Services.AddSignalR(o =>
        {
            o.MaximumReceiveMessageSize = 32 * 1024;
            // The server pings every connection this often when it has nothing else to send: a wall that hears
            // nothing (no delta, no ping) for LiveOperation.serverTimeoutMs (7 s, live.js) knows its connection is
            // dead or held, and says STALE. The other direction keeps SignalR's defaults (the .NET clients, the CLI's
            // watch among them, ping every 15 s; the server waits 30 s).
            o.KeepAliveInterval = TimeSpan.FromSeconds(3);
            o.AddFilter<HubAccessFilter>();
        }).AddJsonProtocol(o => StrictJson(o.PayloadSerializerOptions));
        // SignalR's dispatcher logs every exception a hub method throws as an error with its stack trace, refusals
        // (HubException) included. HubAccessFilter sees every invocation first and logs each the right way: a refusal
        // as one warning line, a fault as an error with its stack trace.
        builder.Logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.None);
        builder.Services.AddLiberterraHealth();
        builder.Services.AddSingleton<Watchers>();
        builder.Services.AddSingleton<Viewpoints>();
        // TAK: the CA is read (or created) when a device is first enrolled, not at start-up.
        var tak = builder.Configuration.GetSection(TakOptions.Section).Get<TakOptions>() ?? new TakOptions();
        tak.Validate();
        builder.Services.AddSingleton(tak);
        builder.Services.AddSingleton(_ => TakAuthority.From(tak, builder.Environment.ContentRootPath));
        builder.Services.AddSingleton<TakEndpoint>();
        builder.Services.AddSingleton<IBatchListener>(sp => sp.GetRequiredService<TakEndpoint>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TakEndpoint>());
        builder.Services.AddSingleton<TimeTravel>();
        builder.Services.AddSingleton<Replays>();
        // The lifetime manager that also keeps this silo's connections, so the relay writes to each display itself.
        builder.Services.AddSingleton<LiveConnections>();
        builder.Services.AddSingleton<HubLifetimeManager<OperationsHub>>(sp => sp.GetRequiredService<LiveConnections>());
        builder.Services.AddSingleton(sp => new Displays(
            sp.GetRequiredService<LiveConnections>(), sp.GetRequiredService<Watchers>(), sp.GetRequiredService<ILogger<Displays>>())
        {
            MaxPendingWrites = builder.Configuration.GetValue("Live:MaxPendingWrites", 256),
        });
        builder.Services.AddSingleton<IDisplayCount>(sp => sp.GetRequiredService<LiveConnections>());
        builder.Services.AddSingleton<FieldDisplays>();
        // Live:FlushInterval: the shortest time between two messages to an operation's displays (zero: each batch alone).
        builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<WallRelay>(sp,
            builder.Configuration.GetValue("Live:FlushInterval", TimeSpan.Zero)));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WallRelay>());
        builder.Services.AddSingleton<TransientFailures>();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddOpenApi();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(o => StrictJson(o.SerializerOptions));
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = RequestLimits.DefaultMaxBodyBytes);
    }

    /// <summary>
    /// Requests are read strictly: no trailing commas, numbers as numbers, and a field given twice is refused (as an
    /// unknown field is) rather than silently read as its last value.
    /// </summary>
    private static void StrictJson(System.Text.Json.JsonSerializerOptions options)
    {
        options.AllowTrailingCommas = false;
        options.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        options.AllowDuplicateProperties = false;
    }

    /// <summary>
    /// Behind a balancer, the client's address (audit trail, per-address rate limits) is the one the balancer puts in
    /// X-Forwarded-For, believed only from the balancer: loopback, plus the networks in
    /// <c>ForwardedHeaders:KnownNetworks</c> (comma-separated CIDRs, e.g. the compose network). One hop only.
    /// </summary>
    private static ForwardedHeadersOptions ForwardedHeadersFrom(IConfiguration configuration)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto,
            ForwardLimit = 1,
        };
        foreach (var cidr in (configuration["ForwardedHeaders:KnownNetworks"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(cidr));
        return options;
    }

    public static void UseLiberterraApi(this WebApplication app)
    {
        app.UseForwardedHeaders(ForwardedHeadersFrom(app.Configuration));
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebPages();
        app.UseRouting();
        app.UseAuthentication();
        // Outside the rate limiter and authorization, so that their refusals are audited too.
        app.UseMiddleware<AuditMiddleware>();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseMiddleware<RequestLimits>();
        app.MapOpenApi().AllowAnonymous();
        app.MapLiberterraHealth();
        app.MapOperationsApi();
        app.MapReportsApi();
        app.MapOrdersApi();
        app.MapTokensApi();
        app.MapTakApi();
        app.MapTimelineApi();
        app.MapClusterApi();
        app.MapDashboardAccess();
        if ((app.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions()).Dashboard)
            app.MapOrleansDashboard(DashboardCookie.Path).RequireAuthorization(Policies.Administer);
        app.MapHub<OperationsHub>(HubMessages.Path, o => o.CloseOnAuthenticationExpiration = true);
        app.MapHub<ReplayHub>(ReplayMessages.Path, o => o.CloseOnAuthenticationExpiration = true);
        app.MapHub<FieldHub>(FieldMessages.Path, o => o.CloseOnAuthenticationExpiration = true);
        app.MapWebPages();
    }
}
