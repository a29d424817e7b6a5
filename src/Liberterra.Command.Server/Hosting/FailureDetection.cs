using Orleans.Configuration;

namespace Liberterra.Command.Server.Hosting;

/// <summary>
/// How fast the cluster declares a silo dead (<c>Silo:Membership</c>). Orleans' defaults (a 5 s initial probe timeout,
/// three missed probes) took 7-16 s here from a SIGKILL to the declaration, and the operations on that silo took no
/// reports meanwhile. Probing every second and suspecting after three missed probes declared a killed silo dead in
/// 1.1-1.5 s (docs/benchmarks.md, "Failover of a long operation"). The guard against declaring a live but busy silo
/// dead stays Orleans' own: the effective timeout adapts to each silo's measured probe times (up to four times this
/// one), grows while the prober's own host is degraded, indirect probes ask another silo before voting, and two votes
/// are needed. Measured: no silo declared dead in step-mode runs that saturated this
/// machine's two cores with three silos (docs/benchmarks.md, "Scale").
/// </summary>
public static class FailureDetection
{
    public const string Section = "Silo:Membership";

    /// <summary>The initial probe timeout and period; each silo's effective one adapts between half and four times it.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes after which a silo is suspected.</summary>
    public const int NumMissedProbesLimit = 3;

    /// <summary>Our defaults, then anything the section sets (the names of <see cref="ClusterMembershipOptions"/>).</summary>
    public static void Apply(ClusterMembershipOptions options, IConfiguration section)
    {
        options.ProbeTimeout = ProbeTimeout;
        options.NumMissedProbesLimit = NumMissedProbesLimit;
        options.EnableIndirectProbes = true;
        options.ExtendProbeTimeoutDuringDegradation = true;
        section.Bind(options);
        if (section[nameof(options.MinProbeTimeout)] is null) options.MinProbeTimeout = options.ProbeTimeout / 2;
        if (section[nameof(options.MaxProbeTimeout)] is null) options.MaxProbeTimeout = options.ProbeTimeout * 4;
    }
}
