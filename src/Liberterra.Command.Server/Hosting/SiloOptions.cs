namespace Liberterra.Command.Server.Hosting;

/// <summary>The <c>Silo</c> configuration section: cluster identity, ports and storage.</summary>
public sealed class SiloOptions
{
    public const string Section = "Silo";
    public const string ConnectionStringName = "Liberterra";

    public string ClusterId { get; set; } = "liberterra-dev";
    public string ServiceId { get; set; } = "liberterra-command";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    /// <summary>Port of the first silo when several run on one machine with localhost clustering.</summary>
    public int? PrimarySiloPort { get; set; }
    /// <summary>The address other silos and clients reach this silo at (PostgreSQL clustering).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
    public StorageKind Storage { get; set; } = StorageKind.PostgreSQL;
    /// <summary>Running in Kubernetes (Microsoft.Orleans.Hosting.Kubernetes): see deploy/k8s.</summary>
    public bool Kubernetes { get; set; }
    /// <summary>The Orleans Dashboard at /dashboard (it records every grain call: measured, about 70 MB more memory under load).</summary>
    public bool Dashboard { get; set; } = true;
}

/// <summary>Where the timeline, snapshots, membership and reminders live.</summary>
public enum StorageKind
{
    /// <summary>PostgreSQL, durable: the default.</summary>
    PostgreSQL,
    /// <summary>Process memory, for quick experiments: everything is lost on exit.</summary>
    Memory,
}
