// The Flex Consumption plan and the function app. Every connection is identity-based: no
// connection string, no account key, and the API key comes from Key Vault.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param blobEndpoint string
param queueEndpoint string
param tableEndpoint string
param deploymentContainerName string
param applicationInsightsConnectionString string
param apiKeySecretUri string

@description('Upper bound of instances (Flex Consumption: 1 to 1000; below 40 may be rejected in some regions).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@allowed([512, 2048, 4096])
param instanceMemoryMB int

@description('Identifies this integration to DomDetailer (DomDetailer__App).')
param domDetailerApp string

@description('The jobs queue (Storage__JobsQueue); its poison queue is this name plus -poison.')
param jobsQueueName string

@description('Credits per UTC day (Budget__DailyCredits); 0 is no budget.')
param dailyCreditBudget int

@description('The RefreshWatchList schedule (WatchList__Schedule), an NCRONTAB expression.')
param watchListSchedule string

@description('Backoff__* settings: RateLimitBaseDelay, RateLimitMaxDelay, CreditsInitialDelay, CreditsMaxDelay, MaxWait.')
param backoff object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with this identity rather than a system-assigned one.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: {
      // Identity-based storage for the host (triggers) and the app's own clients alike.
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      AzureWebJobsStorage__accountName: storageAccountName
      AzureWebJobsStorage__blobServiceUri: blobEndpoint
      AzureWebJobsStorage__queueServiceUri: queueEndpoint
      AzureWebJobsStorage__tableServiceUri: tableEndpoint
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      DomDetailer__ApiKey: '@Microsoft.KeyVault(SecretUri=${apiKeySecretUri})'
      DomDetailer__App: domDetailerApp
      // The queue triggers resolve %Storage:JobsQueue%: without this setting the host would not index them.
      Storage__JobsQueue: jobsQueueName
      Budget__DailyCredits: string(dailyCreditBudget)
      // The timer trigger resolves %WatchList:Schedule%: without this setting the host would not index it.
      WatchList__Schedule: watchListSchedule
      Backoff__RateLimitBaseDelay: backoff.RateLimitBaseDelay
      Backoff__RateLimitMaxDelay: backoff.RateLimitMaxDelay
      Backoff__CreditsInitialDelay: backoff.CreditsInitialDelay
      Backoff__CreditsMaxDelay: backoff.CreditsMaxDelay
      Backoff__MaxWait: backoff.MaxWait
    }
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
