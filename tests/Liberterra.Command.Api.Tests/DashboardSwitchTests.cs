using System.Net;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Api.Tests;

/// <summary><c>Silo:Dashboard=false</c> leaves the Orleans Dashboard out (it profiles every grain call); the rest stays.</summary>
public class DashboardSwitchTests
{
    [Fact]
    public async Task without_the_dashboard_its_routes_are_gone_and_the_cluster_api_stays()
    {
        await using var server = await InProcessServer.StartOnNewDatabaseAsync("no-dashboard", "--Silo:Dashboard=false");

        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("/dashboard/ClusterStats")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/api/cluster")).StatusCode);
        var op = await Api.DefineOperation(server.Http);
        Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(server.Http, op, "AR-RAID-01", new { children = 1 }, Api.NewKey())).StatusCode);
    }
}
