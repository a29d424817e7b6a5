using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Serialization;

namespace Liberterra.Command.Grains;

/// <summary>Registers what the grains need in a silo.</summary>
public static class Hosting
{
    public static ISiloBuilder AddLiberterraGrains(this ISiloBuilder silo)
    {
        silo.Services.AddSerializer(s => s.AddLiberterraDomain());
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddKeyedSingleton(OperationGrainOptions.ClockKey, TimeProvider.System);
        silo.Services.AddOptions<OperationGrainOptions>();
        // The push path's fan-out: every silo's committed batches to every silo (see FeedDirectory).
        silo.Services.AddSingleton<FeedDirectory>();
        silo.Services.AddHostedService(sp => sp.GetRequiredService<FeedDirectory>());
        return silo;
    }
}
