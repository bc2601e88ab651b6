// BacklinksFunctions on Azure: `azd up` provisions this and deploys src/Backlinks.Functions.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; also seeds the unique resource names.')
param environmentName string

// The Flex Consumption regions of Microsoft's own azd template for .NET on Flex
// (Azure-Samples/functions-quickstart-dotnet-azd, infra/main.bicep), without its early-access canary
// region eastus2euap, which ordinary subscriptions cannot use. Flex reaches new regions over time and a
// region may lag on runtimes: check that yours offers .NET 10 before you deploy:
//   az functionapp list-flexconsumption-runtimes --location <region> --runtime dotnet-isolated
@minLength(1)
@description('Region of every resource; it must offer Flex Consumption with dotnet-isolated 10.0.')
@allowed([
  'australiaeast'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'northcentralus'
  'northeurope'
  'southcentralus'
  'southeastasia'
  'swedencentral'
  'uksouth'
  'westcentralus'
  'westeurope'
  'westus2'
])
@metadata({ azd: { type: 'location' } })
param location string

@secure()
@description('The DomDetailer API key. Stored in Key Vault only; the app reads it by reference.')
param domDetailerApiKey string

@description('Object id of the principal running azd, granted the storage data roles (to query tables, read blobs, submit jobs). Empty to skip.')
param principalId string = ''

@description('What principalId is: User when you run azd signed in as yourself, ServicePrincipal when azd signs in as one (CI). A mismatch fails the role assignment.')
@allowed(['User', 'ServicePrincipal'])
param principalType string = 'User'

@description('Power BI with the storage account key, the one authentication the connector documents everywhere: turns shared-key access on for the whole account (blobs, queues and tables, read and write). Off by default. See powerbi/CONNECT.md.')
param reportingAccountKeyAccess bool = false

@description('Comma-separated object ids of users or groups who build Power BI reports with their Entra sign-in; each gets Storage Table Data Reader on the storage account (tables only, read only). Empty by default. See powerbi/CONNECT.md.')
param reportReaderPrincipalIds string = ''

@description('Identifies this integration to DomDetailer.')
param domDetailerApp string = 'BacklinksFunctions'

// Flex Consumption documents 1 to 1000 today, but for most of its life the lowest accepted maximum was
// 40, and lower values were reported to work only in some regions: 40 is accepted everywhere. The
// instance count does not change how fast the app calls DomDetailer: the request rate is shared by all
// instances through the storage account.
@description('Upper bound of Flex Consumption instances (1 to 1000; values below 40 may be rejected in some regions).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Credits per UTC day (Budget__DailyCredits); past it jobs wait for the next day. 0 (the default) is no budget.')
@minValue(0)
param dailyCreditBudget int = 0

@description('When the watch list is refreshed (WatchList__Schedule): an NCRONTAB expression with seconds. Every 15 minutes by default.')
@minLength(1)
param watchListSchedule string = '0 */15 * * * *'

@description('Raw JSON blobs move to the cool tier after this many days.')
@minValue(1)
param rawBlobCoolAfterDays int = 30

@description('Raw JSON blobs are deleted after this many days; 0 (the default) keeps them.')
@minValue(0)
param rawBlobDeleteAfterDays int = 0

@description('Backoff after 429 and 402, and the total waiting limit (TimeSpan strings, hh:mm:ss or d.hh:mm:ss).')
param backoff object = {
  RateLimitBaseDelay: '00:00:30'
  RateLimitMaxDelay: '00:15:00'
  CreditsInitialDelay: '00:15:00'
  CreditsMaxDelay: '06:00:00'
  MaxWait: '3.00:00:00'
}

@description('Email address for the alert rules (poison queue, out-of-credits pause, rejected key, failing jobs, budget spent); empty (the default) for no action group: the rules still fire in the portal.')
param alertEmail string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}backlinks-${resourceToken}'
var deploymentContainerName = 'app-package-${take(resourceToken, 20)}'
// Trimmed and without duplicates, so that 'a, b,,a' gives two role assignments.
var reportReaders = union(filter(map(split(reportReaderPrincipalIds, ','), id => trim(id)), id => !empty(id)), [])

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}backlinks-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'core/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    rawBlobCoolAfterDays: rawBlobCoolAfterDays
    rawBlobDeleteAfterDays: rawBlobDeleteAfterDays
    allowSharedKeyAccess: reportingAccountKeyAccess
  }
}

module keyVault 'core/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${take(resourceToken, 20)}'
    location: location
    tags: tags
    domDetailerApiKey: domDetailerApiKey
  }
}

module monitoring 'core/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module alerts 'core/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    location: location
    tags: tags
    alertEmail: alertEmail
    actionGroupName: '${abbrs.insightsActionGroups}backlinks-${resourceToken}'
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
    reportReaderPrincipalIds: reportReaders
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  // The roles must exist before the app starts reading queues and resolving the Key Vault reference.
  dependsOn: [rbac]
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    jobsQueueName: storage.outputs.jobsQueueName
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    apiKeySecretUri: keyVault.outputs.apiKeySecretUri
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    domDetailerApp: domDetailerApp
    dailyCreditBudget: dailyCreditBudget
    watchListSchedule: watchListSchedule
    backoff: backoff
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
