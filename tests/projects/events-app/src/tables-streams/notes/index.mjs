// @tables-streams: logs the event it was invoked with.
export async function handler (event) {
  console.log(JSON.stringify(event))
}
