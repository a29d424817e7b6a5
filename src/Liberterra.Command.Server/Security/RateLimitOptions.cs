namespace Liberterra.Command.Server.Security;

/// <summary>The <c>RateLimits</c> configuration section: a token bucket per principal (per address when anonymous).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public int PermitsPerSecond { get; set; } = 20;
    public int Burst { get; set; } = 60;
}
