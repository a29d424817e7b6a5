using System.Net;
using Liberterra.Command.Grains;
using Liberterra.Command.Server.Api;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Server.Live;
using Liberterra.Command.Server.Observability;
using Microsoft.AspNetCore.SignalR;
using Liberterra.Command.Contracts;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Liberterra.Command.Storage;
using Microsoft.AspNetCore.Http.Json;
using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Liberterra.Command.Server.Hosting;

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
