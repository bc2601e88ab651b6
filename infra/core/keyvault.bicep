// Key Vault in RBAC mode, holding the DomDetailer API key. The app reads it through a Key Vault
// reference in its settings, with its managed identity (Key Vault Secrets User, see rbac.bicep).
param name string
param location string
param tags object

@secure()
@description('The DomDetailer API key.')
param domDetailerApiKey string

var secretName = 'DomDetailer--ApiKey'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }

  resource apiKey 'secrets' = {
    name: secretName
    properties: {
      value: domDetailerApiKey
      contentType: 'DomDetailer API key'
    }
  }
}

output name string = vault.name
// Without a version: the app follows rotations (Key Vault references refresh within a day, or on restart).
output apiKeySecretUri string = '${vault.properties.vaultUri}secrets/${secretName}'
