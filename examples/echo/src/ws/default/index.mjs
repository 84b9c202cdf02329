// Echo every message back to the connection that sent it, through the
// API Gateway management API (its https:// endpoint, derived from ARC_WSS_URL).
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi'

const endpoint = process.env.ARC_WSS_URL.replace(/^wss:\/\//, 'https://')
const client = new ApiGatewayManagementApiClient({ endpoint })

export async function handler (event) {
  const { connectionId } = event.requestContext
  const message = JSON.parse(event.body || '{}')
  await client.send(new PostToConnectionCommand({
    ConnectionId: connectionId,
    Data: JSON.stringify({ echo: message, at: new Date().toISOString() }),
  }))
  return { statusCode: 200 }
}
