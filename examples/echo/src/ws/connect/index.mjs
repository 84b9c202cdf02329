// Accept every connection.
export async function handler (event) {
  console.log('connect', event.requestContext.connectionId)
  return { statusCode: 200 }
}
