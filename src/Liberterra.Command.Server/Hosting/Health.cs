using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Liberterra.Command.Server.Hosting;

/// <summary>
/// <c>/health/live</c>: the process answers. <c>/health/ready</c>: it can serve: PostgreSQL answers and this silo is
/// an active member of the cluster. Both anonymous (load balancers and orchestrators have no credentials) and without
/// details about the deployment.
/// </summary>
public static class Health
{
    public const string Ready = "ready";

    public static void AddLiberterraHealth(this IServiceCollection services) =>
        services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("postgresql", tags: [Ready])
            .AddCheck<MembershipCheck>("cluster", tags: [Ready]);

    public static void MapLiberterraHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains(Ready) }).AllowAnonymous();
    }

    private sealed class DatabaseCheck(IServiceProvider services) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (services.GetService<NpgsqlDataSource>() is not { } db) return HealthCheckResult.Healthy("in-memory storage");
            try
            {
                await using var cmd = db.CreateCommand("SELECT 1");
                await cmd.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("PostgreSQL does not answer.");
            }
        }
    }

    private sealed class MembershipCheck(IServiceProvider services) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var status = services.GetService<ILocalSiloDetails>() is { } silo
                && services.GetService<IClusterMembershipService>() is { } membership
                && membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress) == SiloStatus.Active;
            return Task.FromResult(status ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("This silo is not an active cluster member."));
        }
    }
}
