using Liberterra.Command.Grains;
using Liberterra.Command.Server.Security;

namespace Liberterra.Command.Server.Api;

/// <summary>
/// For operators (admin): the cluster's silos as this silo's membership view sees them, and which silo an
/// operation's grain (or the feed registry) lives on. <c>/dashboard</c> shows more; these answer the questions a failover
/// raises.
/// </summary>
public static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cluster", Members).WithName("GetCluster").WithTags("Cluster").RequireAuthorization(Policies.Administer);
        app.MapGet("/api/cluster/feed-registry", RegistryHost).WithName("GetFeedRegistryHost").WithTags("Cluster").RequireAuthorization(Policies.Administer);
        app.MapGet("/api/cluster/operations/{operationId}", Host).WithName("GetOperationHost").WithTags("Cluster").RequireAuthorization(Policies.Administer);
        return app;
    }

    private static ClusterView Members(IClusterMembershipService membership, ILocalSiloDetails local)
    {
        var snapshot = membership.CurrentSnapshot;
        return new ClusterView(local.SiloAddress.ToString(), local.Name, snapshot.Version.Value,
            [.. snapshot.Members.Values.OrderBy(m => m.SiloAddress.ToString(), StringComparer.Ordinal)
                .Select(m => new SiloView(m.SiloAddress.ToString(), m.Name, m.Status.ToString()))]);
    }

    /// <summary>Where the feed registry lives (activating it if it was not): the silo whose death moves discovery.</summary>
    private static async Task<FeedRegistryHost> RegistryHost(IGrainFactory grains) =>
        new(await grains.GetGrain<IFeedRegistryGrain>(0).GetSilo());

    /// <summary>Where the operation's grain is active (activating it if it was not).</summary>
    private static async Task<OperationHost> Host(string operationId, IGrainFactory grains) =>
        new(operationId, await grains.GetGrain<IOperationGrain>(operationId).GetSilo());

    public sealed record ClusterView(string Self, string SelfName, long MembershipVersion, IReadOnlyList<SiloView> Silos);

    public sealed record FeedRegistryHost(string Silo);

    public sealed record SiloView(string Address, string Name, string Status);

    public sealed record OperationHost(string OperationId, string Silo);
}
