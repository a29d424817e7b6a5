using System.Collections.Immutable;
using Liberterra.Command.Domain;
using Liberterra.Command.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.TestingHost;

namespace Liberterra.Command.Grains.Tests;

/// <summary>Two silos in one process sharing one timeline store that a test can make fail.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public FlakyTimelineStore Timeline { get; } = new(new InMemoryTimelineStore());
    public InProcessTestCluster Cluster { get; }

    public ClusterFixture()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddLiberterraGrains();
            silo.Services.AddSingleton<ITimelineStore>(Timeline);
        });
        builder.ConfigureClient(client => client.Services.AddSerializer(s => s.AddLiberterraDomain()));
        Cluster = builder.Build();
    }

    public IGrainFactory Grains => Cluster.Client;

    public Task InitializeAsync() => Cluster.DeployAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>Defines a fresh operation with teams in regions AR and MK and returns its id.</summary>
    public async Task<string> NewOperation(int teamsPerRegion = 3)
    {
        var id = $"op-{Guid.NewGuid():N}"[..20];
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var regions = ImmutableArray.Create(
            new RegionDefinition("AR", "Argentina", "AR", new GeoPoint(-34, -64), [ExploitationType.ForcedLabour]),
            new RegionDefinition("MK", "North Macedonia", "MK", new GeoPoint(41.6, 21.7), [ExploitationType.SexualExploitation]));
        var teams = regions.SelectMany(r => Enumerable.Range(1, teamsPerRegion)
                .Select(i => new TeamDefinition($"{r.Id}-RAID-{i:D2}", TeamKind.RaidTeam, r.Id, $"{r.Name} {i}", "Police")))
            .ToImmutableArray();
        var outcome = await Grains.GetGrain<IOperationGrain>(id)
            .Define(new OperationDefinition(id, "Test", start, start.AddDays(6), true, regions, teams), "test");
        Assert.Null(outcome.Error);
        return id;
    }

    public Task<CommandOutcome> Report(string op, string team, string key, Tally counts, TeamStatus? status = null) =>
        Grains.GetGrain<ITeamGrain>(GrainKeys.Team(op, team)).Submit(new TeamCommand(
            op, team, key, "lead", null, new FieldReported(new FieldReport(status, counts, [], null, null))));
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>The in-memory timeline, with a switch that makes appends fail as a lost database would.</summary>
public sealed class FlakyTimelineStore(ITimelineStore inner) : ITimelineStore
{
    public volatile bool Failing;

    public Task AppendAsync(string operationId, IReadOnlyList<TimelineEvent> events, CancellationToken cancellationToken = default) =>
        Failing ? Task.FromException(new IOException("database unreachable")) : inner.AppendAsync(operationId, events, cancellationToken);

    public IAsyncEnumerable<TimelineEvent> ReadAsync(string operationId, long afterSeq, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(operationId, afterSeq, cancellationToken);

    public Task<IReadOnlyList<string>> ListOperationsAsync(CancellationToken cancellationToken = default) =>
        inner.ListOperationsAsync(cancellationToken);
}
