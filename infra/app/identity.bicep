// The user-assigned identity the app runs as: storage, Key Vault and Application Insights all
// trust it, and no secret is needed to reach any of them.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
