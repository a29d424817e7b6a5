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
