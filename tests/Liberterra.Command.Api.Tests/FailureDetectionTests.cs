using Liberterra.Command.Server.Hosting;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;

namespace Liberterra.Command.Api.Tests;

/// <summary><c>Silo:Membership</c>: how fast a dead silo is declared dead, and what a deployment may change.</summary>
public class FailureDetectionTests
{
    private static ClusterMembershipOptions Apply(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new ClusterMembershipOptions();
        FailureDetection.Apply(options, configuration.GetSection(FailureDetection.Section));
        return options;
    }

    [Fact]
    public void by_default_a_silo_is_probed_every_second_and_suspected_after_three_missed_probes()
    {
        var options = Apply([]);
        Assert.Equal(TimeSpan.FromSeconds(1), options.ProbeTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.MinProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(4), options.MaxProbeTimeout);
        Assert.Equal(3, options.NumMissedProbesLimit);
        // Orleans' guards against declaring a busy silo dead stay on.
        Assert.True(options.EnableIndirectProbes);
        Assert.True(options.ExtendProbeTimeoutDuringDegradation);
        Assert.Equal(2, options.NumVotesForDeathDeclaration);
    }

    [Fact]
    public void a_deployment_may_set_any_membership_option_and_the_adaptive_bounds_follow_its_probe_timeout()
    {
        var options = Apply(new()
        {
            ["Silo:Membership:ProbeTimeout"] = "00:00:03",
            ["Silo:Membership:NumMissedProbesLimit"] = "4",
            ["Silo:Membership:NumVotesForDeathDeclaration"] = "1",
        });
        Assert.Equal(TimeSpan.FromSeconds(3), options.ProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1.5), options.MinProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(12), options.MaxProbeTimeout);
        Assert.Equal(4, options.NumMissedProbesLimit);
        Assert.Equal(1, options.NumVotesForDeathDeclaration);

        var bounded = Apply(new() { ["Silo:Membership:MaxProbeTimeout"] = "00:00:02" });
        Assert.Equal(TimeSpan.FromSeconds(2), bounded.MaxProbeTimeout);
    }
}
