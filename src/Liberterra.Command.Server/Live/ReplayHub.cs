using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Server.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Liberterra.Command.Server.Live;

/// <summary>
/// Replays for debriefers over SignalR: each plays a part of an operation's timeline, at 1× to 3,600×, to the
/// connection that started it only. A replay folds the timeline itself with the same reducer as the live path; it
/// never touches the live operation. Several can run at once (a few per connection).
/// </summary>
[Authorize]
public sealed class ReplayHub(Replays replays) : Hub
{
    public override Task OnDisconnectedAsync(Exception? exception)
    {
        replays.EndAll(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>Starts a replay; its deltas and status go to this connection only.</summary>
    [HubPolicy(Policies.ReadTimeline)]
    public Task<ReplayStarted> StartReplay(ReplayRequest request)
    {
        if (request is null || !OperationRules.IsValidId(request.OperationId) || !Scope.AllowsOperation(Context.User!, request.OperationId))
            throw new HubException("This credential may not replay that operation.");
        return replays.StartAsync(Context.ConnectionId, request, Scope.AgencyOf(Context.User!));
    }

    /// <summary>Pause, resume, change speed, seek, step or stop one of this connection's replays.</summary>
    [HubPolicy(Policies.ReadTimeline)]
    public Task<ReplayStatus> ControlReplay(ReplayControl control)
    {
        if (control is null) throw new HubException("A control is required.");
        if (string.IsNullOrEmpty(control.ReplayId)) throw new HubException("replayId: is required (the id StartReplay answered).");
        if (string.IsNullOrEmpty(control.Action)) throw new HubException("action: one of pause, resume, speed, seek, step, stop.");
        return replays.ControlAsync(Context.ConnectionId, control);
    }
}
